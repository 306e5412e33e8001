"""Renderers: text, JSON, and the formula as PyTorch code."""
