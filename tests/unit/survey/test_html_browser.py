"""report.html in a real browser (headless Chromium): MathML laid out, status filters, entry counts.

Skipped when no Chromium is installed (`bash scripts/setup.sh --browser` installs Debian's).
"""

import re
import shutil
import subprocess

import pytest

from tritonlift.survey import SurveyOptions, survey

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium on this machine (scripts/setup.sh --browser)")


def browser(*args, timeout=60):
    done = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000",
                           *args], capture_output=True, text=True, timeout=timeout)
    return done.stdout


def shown_entries(dom: str) -> tuple[int, int]:
    sections = re.findall(r"<section class=\"entry\"[^>]*>", dom)
    return len(sections), sum(1 for s in sections if " hidden" not in s)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from .conftest import LAUNCHES, write_library
    import json

    root = tmp_path_factory.mktemp("lib")
    pkg = write_library(root / "src")
    (root / "l.json").write_text(json.dumps(LAUNCHES))
    out = root / "out"
    data = survey(str(pkg), out, SurveyOptions(jobs=2, launches=root / "l.json", oracle=False, progress=False))
    return out / "report.html", data


def test_all_entries_shown_with_mathml(report):
    html, data = report
    dom = browser("--dump-dom", html.as_uri())
    total, shown = shown_entries(dom)
    assert total == shown == len(data["entries"]) == 7
    assert '<span id="shown">7</span>' in dom
    assert dom.count("<math") >= 4 and "<munderover>" in dom and "<msub>" in dom


@pytest.mark.parametrize("status", ["VERIFIED", "UNKNOWN", "COUNTEREXAMPLE", "BOUNDED"])
def test_hash_selects_a_status_filter(report, status):
    html, data = report
    dom = browser("--dump-dom", html.as_uri() + f"#status={status}")
    expected = data["totals"][status]
    total, shown = shown_entries(dom)
    assert (total, shown) == (7, expected)
    assert f'<span id="shown">{expected}</span>' in dom and f'data-filter="{status}"' in dom
    visible = [s for s in re.findall(r"<section class=\"entry\"[^>]*>", dom) if " hidden" not in s]
    assert all(f'data-status="{status}"' in s for s in visible)


def test_mathml_is_laid_out_as_math(report, tmp_path):
    """A copy of the page measures its first sum: the limits sit above and below the Σ."""
    html, _ = report
    probe = tmp_path / "probe.html"
    probe.write_text(html.read_text().replace("</body>", """<script>
      var s=document.querySelector('munderover'), op=s.children[0], under=s.children[1], over=s.children[2];
      var r=function(e){return e.getBoundingClientRect();};
      document.body.setAttribute('data-probe', [r(over).bottom <= r(op).top + 2, r(under).top >= r(op).bottom - 2,
        r(s).width > 0, getComputedStyle(document.querySelector("math")).mathStyle].join(','));
    </script></body>"""))
    dom = browser("--dump-dom", probe.as_uri())
    assert 'data-probe="true,true,true,normal"' in dom  # display style: limits above and below


def test_screenshot(report, tmp_path):
    html, _ = report
    shot = tmp_path / "report.png"
    browser(f"--screenshot={shot}", "--window-size=1200,1600", html.as_uri() + "#status=VERIFIED")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
