"""Browser checks of the merchant dashboard, for any running copy of the app (the in-process one of
tests/browser/test_dashboard.py, or the real local stack seeded with demo data in an end-to-end test).

Each takes a Selenium Chrome driver; the driver should be made with `chrome_options()` so the browser log is kept
(console errors and CSP violations are read from it).
"""
from __future__ import annotations

import base64
import json
import math
import time
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def chrome_options(profile: str, download_dir: str | None = None) -> Any:
    """Headless Debian chromium with its console log kept (and downloads to `download_dir`)."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                 "--window-size=1280,900", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if download_dir:
        options.add_experimental_option("prefs", {"download.default_directory": download_dir,
                                                  "download.prompt_for_download": False})
    return options


def sign_in(driver: Any, base_url: str, api_key: str, timeout: float = 60) -> None:
    """Open the dashboard, sign in through its form and wait until every section has been drawn."""
    driver.get(base_url.rstrip("/") + "/dashboard")
    field = driver.find_element(By.ID, "api_key")
    field.clear()
    field.send_keys(api_key)
    driver.find_element(By.ID, "sign-in").click()
    wait_ready(driver, timeout)


def wait_ready(driver: Any, timeout: float = 60) -> None:
    """Wait for <body data-state="ready"> (every section drawn), then for the charts' short animation to end."""
    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return document.body && document.body.getAttribute('data-state')")
        in ("ready", "error"))
    state = driver.execute_script("return document.body.getAttribute('data-state')")
    banner = driver.execute_script("var b = document.getElementById('banner'); return b ? b.textContent : ''")
    assert state == "ready", f"the dashboard did not load: {banner}"
    WebDriverWait(driver, timeout).until(lambda d: all(charts_drawn(d).values()))


_DRAWN = """
var out = {};
document.querySelectorAll('canvas[data-chart]').forEach(function (c) {
  var drawn = false;
  if (c.width && c.height) {
    var px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (var i = 3; i < px.length; i += 4) { if (px[i] !== 0) { drawn = true; break; } }
  }
  out[c.getAttribute('data-chart')] = drawn;
});
return out;
"""


def charts_drawn(driver: Any) -> dict[str, bool]:
    """Each chart canvas (by its data-chart name) → whether any of its pixels is not transparent."""
    return dict(driver.execute_script(_DRAWN))


def tiles(driver: Any) -> dict[str, str]:
    """Each KPI tile (by its data-kpi name) → its data-value: the API's raw value ('' for null)."""
    return {e.get_attribute("data-kpi"): e.get_attribute("data-value") or ""
            for e in driver.find_elements(By.CSS_SELECTOR, "[data-kpi]")}


def shown(driver: Any) -> dict[str, str]:
    """Each KPI tile → the value as the page shows it (formatted)."""
    return {e.get_attribute("data-kpi"): e.find_element(By.CSS_SELECTOR, ".value").text
            for e in driver.find_elements(By.CSS_SELECTOR, "[data-kpi]")}


def page_summary(driver: Any) -> dict[str, Any]:
    """The summary JSON for the period the page shows, fetched in the page with its own session cookie."""
    script = """
var done = arguments[arguments.length - 1];
var q = '?from=' + document.getElementById('from').value + '&to=' + document.getElementById('to').value;
fetch('admin/analytics/summary' + q, {credentials: 'same-origin', headers: {Accept: 'application/json'}})
  .then(function (r) { return r.text().then(function (t) { done(JSON.stringify({status: r.status, body: t})); }); })
  .catch(function (e) { done(JSON.stringify({status: 0, body: String(e)})); });
"""
    answer = json.loads(driver.execute_async_script(script))
    assert answer["status"] == 200, answer
    return dict(json.loads(answer["body"]))


def tile_mismatches(driver: Any, summary: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """The tiles whose value is not the summary's (money compared by amount, numbers by value)."""
    wrong = {}
    for name, value in tiles(driver).items():
        expected = summary.get(name)
        if isinstance(expected, dict):
            expected = expected.get("amount")
        if not same(value, expected):
            wrong[name] = (value, expected)
    return wrong


def same(shown_value: str, expected: Any) -> bool:
    if expected is None:
        return shown_value == ""
    if isinstance(expected, bool) or not isinstance(expected, int | float):
        return shown_value == str(expected)
    try:
        return math.isclose(float(shown_value), float(expected), rel_tol=0, abs_tol=1e-9)
    except ValueError:
        return False


def browser_log(driver: Any) -> list[dict[str, Any]]:
    """The browser's console entries since the last call (chromedriver hands each out once)."""
    return list(driver.get_log("browser"))


def console_errors(entries: list[dict[str, Any]]) -> list[str]:
    return [e["message"] for e in entries if e.get("level") == "SEVERE"]


def csp_violations(driver: Any, entries: list[dict[str, Any]]) -> list[str]:
    """CSP reports from the console, plus the violations the page counted itself."""
    found = [e["message"] for e in entries if "Content Security Policy" in e.get("message", "")]
    counted = driver.execute_script("return document.documentElement.getAttribute('data-csp-violations')")
    if counted:
        found.append(f"the page counted CSP violations: {counted}")
    return found


def screenshots(driver: Any, folder: Path | str) -> list[Path]:
    """Full-page PNGs at 1280×900 (desktop.png) and 390×844 (phone.png) under `folder`; the size is restored."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for name, (width, height) in SIZES.items():
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": name == "phone"}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        settle(driver)
        full = max(height, int(driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)")))
        # The whole page in one viewport (so nothing resizes while it is captured), drawn again at that size.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": full})
        settle(driver)
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
        path = folder / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        saved.append(path)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    settle(driver)
    return saved


def overflowing(driver: Any) -> list[str]:
    """Elements wider than the viewport (a layout that does not fit a phone), by tag, id and class."""
    return list(driver.execute_script("""
var w = document.documentElement.clientWidth, out = [];
document.querySelectorAll('body *').forEach(function (e) {
  var r = e.getBoundingClientRect();
  if (r.width && r.right > w + 1 && !e.closest('.table-wrap') && getComputedStyle(e).position !== 'absolute') {
    var chart = e.dataset.chart ? ' ' + e.dataset.chart + ' ' + Math.round(r.width) + 'px' : '';
    out.push(e.tagName + '#' + e.id + '.' + e.className + chart);
  }
});
return out;"""))


def settled_overflow(driver: Any, timeout: float = 20) -> list[str]:
    """What still overflows the viewport once the charts have followed its size: on a busy machine Chart.js's
    resize (a ResizeObserver, then a redraw) can take longer than `settle` waits; a real overflow stays."""
    deadline = time.monotonic() + timeout
    while True:
        found = overflowing(driver)
        if not found or time.monotonic() > deadline:
            return found
        settle(driver)


def download_csv(driver: Any, name: str, folder: Path, timeout: float = 20) -> str:
    """Click the chart's "Download CSV" (a blob: URL) and return the file's text, downloaded into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    link = driver.find_element(By.CSS_SELECTOR, f"a[data-csv='{name}']")
    assert link.get_attribute("href").startswith("blob:")
    driver.execute_script("arguments[0].click()", link)
    target = folder / f"{name}.csv"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if target.exists() and target.stat().st_size:
            return target.read_text(encoding="utf-8")
        time.sleep(0.1)
    raise AssertionError(f"{target} was not downloaded")


def settle(driver: Any) -> None:
    """Let the charts follow a new viewport size (ResizeObserver, then a redraw) before a screenshot."""
    driver.execute_async_script("var done = arguments[arguments.length - 1];"
                                "requestAnimationFrame(function () { setTimeout(done, 600); });")
