"""What to survey: a directory, a Python file, a wheel or sdist, or a package name.

Packages are only ever read: a wheel or sdist is unpacked into the survey's work folder, an
installed package is found through its distribution metadata, and a package that is neither a
path nor installed is fetched with `pip download --no-deps` (the ordinary client) and unpacked.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..errors import TritonLiftError

_SKIP_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".tox", ".venv", "venv", "node_modules", "build", "dist"}
_ARCHIVES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar")


class SurveyInputError(TritonLiftError):
    """The thing to survey cannot be found or read (exit code 2)."""


@dataclass(frozen=True)
class SourceTree:
    label: str  # what the user named
    root: Path  # kernel ids are paths relative to this folder
    files: tuple[Path, ...]  # every .py file to read
    import_root: Path  # the folder holding the top package: absolute imports resolve from here
    version: str | None = None


def resolve(spec: str, workdir: Path) -> SourceTree:
    path = Path(spec).expanduser()
    if path.exists():
        return _from_path(path, spec, workdir)
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*(\s*(==|>=|<=|~=)\s*[A-Za-z0-9.*+!-]+)?", spec.strip()):
        return _from_package(spec.strip(), workdir)
    raise SurveyInputError(f"'{spec}' is not a file, a directory or a package name",
                           hint="give a folder of kernels, a .py file, a .whl/.tar.gz, or a package such as "
                                "flag-gems==5.0.2")


def _from_path(path: Path, label: str, workdir: Path) -> SourceTree:
    path = path.resolve()
    if path.is_dir():
        return SourceTree(label, path, tuple(_python_files(path)), _import_root(path))
    if path.name.endswith(_ARCHIVES):
        return _unpacked(path, label, workdir)
    if path.suffix == ".py":
        return SourceTree(label, path.parent, (path,), _import_root(path.parent))
    raise SurveyInputError(f"{path} is neither a folder, a .py file, nor a wheel/sdist",
                           hint="archives must end in .whl, .zip, .tar.gz, .tgz, .tar.bz2 or .tar")


def _python_files(root: Path) -> list[Path]:
    out = []
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root).parts[:-1]
        if not any(part in _SKIP_DIRS or part.startswith(".") for part in rel):
            out.append(p)
    return out


def _import_root(folder: Path) -> Path:
    """The parent of the outermost package that contains `folder` (absolute imports start there)."""
    top = folder
    while (top / "__init__.py").is_file() and (top.parent / "__init__.py").is_file():
        top = top.parent
    return top.parent if (top / "__init__.py").is_file() else top


def _unpacked(archive: Path, label: str, workdir: Path) -> SourceTree:
    name = re.sub(r"(\.tar)?\.[a-z0-9]+$", "", archive.name)
    target = workdir / "sources" / name
    if not target.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        try:
            if archive.suffix in (".whl", ".zip"):
                with zipfile.ZipFile(archive) as z:
                    z.extractall(target)
            else:
                with tarfile.open(archive) as t:
                    t.extractall(target, filter="data")  # no links out of the folder, no devices
        except (zipfile.BadZipFile, tarfile.TarError, OSError) as error:
            raise SurveyInputError(f"cannot unpack {archive}: {error}") from None
    root = target
    entries = [p for p in target.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and not (entries[0] / "__init__.py").is_file():
        root = entries[0]  # an sdist's single `name-version/` folder
    version = _version_from_name(archive.name)
    return SourceTree(label, root, tuple(_python_files(root)), _import_root_of_tree(root), version)


def _import_root_of_tree(root: Path) -> Path:
    """Wheels hold packages at the top; sdists under `src/` or at the top."""
    return root / "src" if (root / "src").is_dir() and not (root / "__init__.py").is_file() else root


def _version_from_name(filename: str) -> str | None:
    match = re.match(r"[A-Za-z0-9_.]+?-(\d[^-]*?)(-|\.tar|\.zip|\.tgz|$)", filename)
    return match.group(1) if match else None


def _from_package(spec: str, workdir: Path) -> SourceTree:
    name = re.split(r"\s*(==|>=|<=|~=)", spec)[0]
    installed = _installed(name) if "==" not in spec else None
    if installed is not None:
        return installed
    downloads = workdir / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-build-isolation", "-q", spec, "-d",
               str(downloads)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise SurveyInputError(f"'{spec}' is not installed and pip could not download it: {last}")
    wanted = name.lower().replace("-", "_")
    found = sorted(p for p in downloads.iterdir() if p.name.lower().replace("-", "_").startswith(wanted)
                   and p.name.endswith(_ARCHIVES))
    if not found:
        raise SurveyInputError(f"pip downloaded nothing usable for '{spec}' into {downloads}")
    return _unpacked(found[-1], spec, workdir)


def _installed(name: str) -> SourceTree | None:
    """An installed distribution: its top-level package folder, found from metadata (not imported)."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    tops = (dist.read_text("top_level.txt") or "").split()
    if not tops and dist.files:
        tops = sorted({f.parts[0] for f in dist.files if len(f.parts) > 1 and f.parts[-1] == "__init__.py"
                       and not f.parts[0].endswith((".dist-info", ".egg-info"))})
    base = Path(str(dist.locate_file("")))
    folders = [base / t for t in tops if (base / t).is_dir()]
    if len(folders) != 1:
        return None
    return SourceTree(name, folders[0], tuple(_python_files(folders[0])), base, dist.version)
