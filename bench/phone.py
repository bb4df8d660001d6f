"""The customer's phone: our pages against Odoo's in an emulated phone on a slow network.

Run by bench/run (BENCH_PHONE=only: this step alone, on a kept database) in a
virtualenv of its own with Playwright, driving Debian's Chromium through its DevTools
protocol. Every view is a new browser context (cold cache, no cookie but a portal
user's session where Odoo's page needs one) on a 390x844 phone screen, with the CPU
slowed down 4x and the network at 150 ms round trip and 1.6 Mbit/s down (750 kbit/s
up); the two sides alternate, the order swapped every round. Per view:

- bytes: what came over the network (the DevTools protocol's encoded data length
  of every response: headers and bodies, as served: uncompressed by Odoo, gzipped
  where the proxy of BENCH_PROXY=nginx, which bench/run then puts in front of both
  sides, compresses them);
- requests: every request the page made until the network was idle;
- payment choice usable: milliseconds from navigation until the page is painted
  and its scripts have run: where Odoo's framework is on the page (its lazy loader
  holds every tap until then), its public root has started; elsewhere the
  deferred scripts have run; and on the pages that pay, Odoo's payment form has
  its handlers (a tap on a payment method is handled). Measured in the page
  every 50 ms (both sides alike);
- largest paint: the largest contentful paint (the browser's own measure);
- on the pages that pay, "pay ready": milliseconds from navigation until the
  payment form is ready for the customer who taps the first payment method as soon
  as the payment choice is usable (not once the page is idle: the form's scripts,
  fetched on that tap on our pages, then share the network with what the page is
  still loading). Ours: one more cold view per run, tapped at once; Odoo's: its
  "payment choice usable", since its form is ready when its page is.

Then an accessibility audit of our three pages (axe-core, WCAG 2.2 A/AA and best
practices; serious and critical findings listed), touch targets under 44 px, and
the invoice page with JavaScript off (its invoice, amount and Download).
"""

import json
import os
import re
import statistics
import sys
import time

from playwright.sync_api import sync_playwright

BASE = os.environ["BENCH_URL"]
DB = os.environ["BENCH_DB"]
RUNS = int(os.environ.get("BENCH_PHONE_RUNS", 5))
CHROMIUM = os.environ.get("BENCH_CHROMIUM", "/usr/bin/chromium")
AXE = os.environ["BENCH_AXE"]
prepared = json.load(open(os.environ["BENCH_PREPARED"]))
# The customer with 10 invoices, whose open ones are overdue (bench/prepare.py), so
# that Odoo's own "pay several invoices" page (/my/invoices/overdue) has them.
customer = prepared["customers"][os.environ.get("BENCH_PHONE_CUSTOMER", "bench_c10")]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
    ),
}
NETWORK = {
    "offline": False,
    "latency": 150,  # ms, round trip
    "downloadThroughput": 1_600_000 / 8,  # bytes/s
    "uploadThroughput": 750_000 / 8,
}
CPU_SLOWDOWN = 4

# Runs in every page before its own scripts: the largest contentful paint, and
# the moment the page's scripts have started (the promise of Odoo's public root,
# ours or the website's) and the payment form, where there is one, has its
# handlers (its jQuery-delegated click on the payment methods).
INIT_SCRIPT = """
window.__bench = {lcp: 0, usable: 0, rootReady: 0, domReady: 0};
new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) { window.__bench.lcp = entry.startTime; }
}).observe({type: "largest-contentful-paint", buffered: true});
document.addEventListener("DOMContentLoaded", () => {
    window.__bench.domReady = performance.now();
});
(function poll() {
    const bench = window.__bench;
    const loader = window.odoo && window.odoo.loader;
    if (!bench.rootReady && loader) {
        for (const name of ROOTS) {
            const module = loader.modules.get(name);
            const root = module && (module[Symbol.for("default")] || module.default);
            if (root && !bench.watching) {
                bench.watching = true;
                Promise.resolve(root).then(() => {
                    bench.rootReady = performance.now();
                });
            }
        }
    }
    // Odoo's framework on the page (its lazy loader holds taps until its scripts
    // are there): ready when its public root is; else when the deferred scripts ran.
    const framework = loader && loader.modules.has("@web/legacy/js/public/lazyloader");
    const ready = framework ? bench.rootReady : bench.domReady;
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    if (ready && paint && !bench.usable) {
        const form = document.querySelector("#o_payment_form");
        const handled = form && window.jQuery && (jQuery._data(form, "events") || {}).click;
        // Ours: the form's scripts are fetched on the first touch of the form
        // (pay_page.js, once run, listens for it): a tap is taken, the method
        // tapped is checked, and the form opens it when it starts ("tap to form").
        const onTouch = form && document.body.classList.contains("o_islebooks_pay_ready")
            && document.querySelector("script[data-src]");
        if (!NEEDS_FORM || handled || onTouch) {
            bench.usable = Math.max(performance.now(), paint.startTime);
        }
    }
    if (!bench.usable) { setTimeout(poll, 50); }
})();
"""
TAP_SCRIPT = """
() => new Promise((resolve) => {
    const form = document.querySelector("#o_payment_form");
    const radio = form.querySelector("input[name='o_payment_radio']");
    const ready = () => window.jQuery && (jQuery._data(form, "events") || {}).click
        && !form.classList.contains("o_islebooks_form_loading");
    const start = performance.now();
    if (ready()) {
        resolve(0);
        return;
    }
    radio.dispatchEvent(new PointerEvent("pointerdown", {bubbles: true}));
    radio.click();
    (function poll() {
        if (ready()) {
            resolve(performance.now() - start);
        } else {
            setTimeout(poll, 50);
        }
    })();
})
"""
# The customer who taps as soon as the payment choice is usable: navigation to a
# ready form, both ends from performance.now() (whose origin is the navigation).
PAY_NOW_SCRIPT = f"""
async () => {{
    const at = performance.now();
    return at + await ({TAP_SCRIPT.strip()})();
}}
"""
ROOTS = [
    "@islebooks_payment_links/js/pay_root",
    "@website/js/content/website_root_instance",
    "@web/legacy/js/public/public_root_instance",
]


def pages():
    """(label, ours, Odoo's, whether the page pays): each side a (url, login or None)."""
    invoice = (
        f"/my/invoices/{customer['invoice_id']}?access_token={customer['invoice_access_token']}"
    )
    portal = f"/pay/{customer['portal_token']}"
    html = _session_get(portal)
    checkout = re.search(r'href="(/pay/[^"]+/checkout\?currency=\d+)"', html)
    if not checkout:
        sys.exit("phone: no 'Pay all' link on the portal page")
    login = (customer["login"], customer["password"])
    return [
        ("Invoice page", (f"/pay/{customer['invoice_token']}", None), (invoice, None), True),
        ("Customer Portal vs /my/invoices", (portal, None), ("/my/invoices", login), False),
        (
            "Checkout (pay all) vs /my/invoices/overdue",
            (checkout.group(1).replace("&amp;", "&"), None),
            ("/my/invoices/overdue", login),
            True,
        ),
    ]


def _session_get(path):
    import urllib.request

    with urllib.request.urlopen(f"{BASE}{path}", timeout=60) as response:
        return response.read().decode()


def login_context(context, login):
    if login:
        response = context.request.post(
            f"{BASE}/web/session/authenticate",
            data=json.dumps({"params": {"db": DB, "login": login[0], "password": login[1]}}),
            headers={"Content-Type": "application/json"},
        )
        if not response.ok or "error" in response.json():
            sys.exit(f"phone: login of {login[0]} refused")


def view(browser, url, login, needs_form, pay_at_once=False):
    """One cold view of ``url`` on the emulated phone: bytes, requests, usable, LCP.

    With ``pay_at_once``, only the time until the payment form is ready for a tap on
    the first payment method made as soon as the payment choice is usable.
    """
    context = browser.new_context(**PHONE)
    try:
        login_context(context, login)
        page = context.new_page()
        page.add_init_script(
            INIT_SCRIPT.replace("ROOTS", json.dumps(ROOTS)).replace(
                "NEEDS_FORM", "true" if needs_form else "false"
            )
        )
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", NETWORK)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        seen = {"requests": 0, "bytes": 0, "failed": []}

        def sent(event):
            if not event["request"]["url"].startswith("data:"):
                seen["requests"] += 1

        def finished(event):
            seen["bytes"] += event["encodedDataLength"]

        def failed(event):
            seen["failed"].append(event.get("errorText"))

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.loadingFailed", failed)
        response = page.goto(
            f"{BASE}{url}", wait_until="commit" if pay_at_once else "load", timeout=120_000
        )
        if response.status != 200:
            sys.exit(f"phone: HTTP {response.status} for {url}")
        if pay_at_once:
            page.wait_for_function(
                "window.__bench && window.__bench.usable > 0", timeout=120_000, polling=50
            )
            return {"pay_ready": page.evaluate(PAY_NOW_SCRIPT)}
        page.wait_for_function("window.__bench.usable > 0", timeout=120_000, polling=200)
        page.wait_for_load_state("networkidle", timeout=120_000)
        bench = page.evaluate("window.__bench")
        result = {
            "bytes": seen["bytes"],
            "requests": seen["requests"],
            "usable": bench["usable"],
            "lcp": bench["lcp"],
        }
        if needs_form:
            # Once the page is idle, the customer taps the first payment method:
            # milliseconds until Odoo's payment form has its handlers and has opened
            # it (0 where it was ready already), and the bytes then on the phone.
            result["tap"] = page.evaluate(TAP_SCRIPT)
            page.wait_for_load_state("networkidle", timeout=120_000)
            result["bytes_paying"] = seen["bytes"]
        return result
    finally:
        context.close()


def measure(browser):
    rows = []
    for label, ours, theirs, needs_form in pages():
        # One view of each side first, not counted: a bundle compiled on its first
        # request (after an update of the addon) is paid by neither side's figures.
        for url, login in (ours, theirs):
            view(browser, url, login, needs_form)
        sides = {"ours": [], "odoo": []}
        for run in range(RUNS):
            order = (("ours", ours), ("odoo", theirs))
            for side, (url, login) in order if run % 2 == 0 else reversed(order):
                result = view(browser, url, login, needs_form)
                if needs_form:
                    # Odoo's form is ready when its page is usable; ours, one more
                    # cold view, right after this one, tapped at once.
                    result["pay_ready"] = (
                        view(browser, url, login, needs_form, pay_at_once=True)["pay_ready"]
                        if side == "ours"
                        else result["usable"]
                    )
                sides[side].append(result)
        rows.append((label, sides))
        print(f"  measured: {label}", file=sys.stderr)
    return rows


def med(views, key):
    return statistics.median(v[key] for v in views)


def report(rows):
    print()
    print(
        f"Phone: 390x844, CPU {CPU_SLOWDOWN}x slower, {NETWORK['latency']} ms RTT,"
        f" 1.6 Mbit/s down, cold cache; median of {RUNS} views per side, sides alternating"
    )
    if os.environ.get("BENCH_PROXY"):
        print(
            f"Both sides behind {os.environ['BENCH_PROXY']} (Odoo's deployment guide, its gzip):"
            " KB are bytes on the wire (DevTools encodedDataLength), gzipped where it applied"
        )
    else:
        print("No proxy: KB are bytes on the wire as Odoo serves them (uncompressed)")
    header = (
        f"{'page':44} {'side':5} {'KB':>7} {'req':>4} {'usable ms':>9} {'LCP ms':>7}"
        f" {'tap ms':>7} {'KB paying':>9} {'pay ready ms':>12}"
    )
    print(header)
    print(
        "  (tap: a tap on a payment method once the page is idle, until Odoo's form has"
        " opened it; KB paying: the bytes then;\n   pay ready: navigation to a ready form"
        " when the customer taps as soon as the choice is usable: ours, another view"
        " per run; Odoo's, its usable)"
    )
    summary = []
    for label, sides in rows:
        for side in ("ours", "odoo"):
            views = sides[side]
            paying = (
                f" {med(views, 'tap'):7.0f} {med(views, 'bytes_paying') / 1000:9.0f}"
                f" {med(views, 'pay_ready'):12.0f}"
                if "tap" in views[0]
                else ""
            )
            print(
                f"{label if side == 'ours' else '':44} {side:5} {med(views, 'bytes') / 1000:7.0f}"
                f" {med(views, 'requests'):4.0f} {med(views, 'usable'):9.0f}"
                f" {med(views, 'lcp'):7.0f}{paying}"
            )
        keys = ("bytes", "requests", "usable", "lcp", "pay_ready")
        ratios = {
            key: med(sides["ours"], key) / med(sides["odoo"], key)
            for key in keys
            if key in sides["ours"][0]
        }
        summary.append((label, ratios))
    print()
    print(
        f"{'ratio ours/Odoo (targets: usable, LCP, pay <= 0.35, bytes <= 0.2)':67}"
        f" {'bytes':>6} {'req':>5} {'usable':>6} {'LCP':>5} {'pay':>5}"
    )
    for label, ratios in summary:
        pay = f" {ratios['pay_ready']:5.2f}" if "pay_ready" in ratios else ""
        print(
            f"{label:67} {ratios['bytes']:6.2f} {ratios['requests']:5.2f}"
            f" {ratios['usable']:6.2f} {ratios['lcp']:5.2f}{pay}"
        )


# Touch targets: every control a thumb taps, at least 44 x 44 CSS px (a checkbox or
# radio counts with its label, which takes the tap too; links inside a sentence
# are exempt, as WCAG's target-size criteria exempt them).
TARGETS_SCRIPT = """
() => {
    const small = [];
    const selector =
        "a, button, input:not([type=hidden]), select, textarea, summary, [role=button]";
    for (const el of document.querySelectorAll(selector)) {
        const box = el.getBoundingClientRect();
        if (!box.width || !box.height || el.closest("[hidden], .d-none")) continue;
        const inText = el.tagName === "A" && el.closest("p, li.small, dd");
        if (inText && !el.classList.contains("btn")) continue;
        let {width, height} = box;
        if (el.labels && el.labels.length) {
            const label = el.labels[0].getBoundingClientRect();
            width = Math.max(box.right, label.right) - Math.min(box.left, label.left);
            height = Math.max(box.bottom, label.bottom) - Math.min(box.top, label.top);
        }
        if (width < 44 || height < 44) {
            const name = `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`;
            small.push(`${name} ${Math.round(width)}x${Math.round(height)}`);
        }
    }
    return small;
}
"""


def audit(browser, rows_pages):
    """axe-core on our three pages (no emulated slowness), and 44 px touch targets."""
    print()
    print("Accessibility (axe-core: WCAG 2.2 A/AA, best practices; serious or critical)")
    axe = open(AXE).read()
    problems = 0
    for label, (url, login), _theirs, _needs_form in rows_pages:
        context = browser.new_context(**PHONE)
        try:
            login_context(context, login)
            page = context.new_page()
            page.goto(f"{BASE}{url}", wait_until="networkidle", timeout=120_000)
            page.add_script_tag(content=axe)
            result = page.evaluate(
                """() => axe.run(document, {runOnly: {type: "tag", values:
                    ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})"""
            )
            found = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
            small = page.evaluate(TARGETS_SCRIPT)
            problems += len(found) + len(small)
            print(
                f"  {label}: {len(found)} serious/critical, {len(small)} targets under 44 px"
                f" ({len(result['passes'])} rules passed)"
            )
            for violation in found:
                nodes = ", ".join(n["target"][0] for n in violation["nodes"][:4])
                print(
                    f"    {violation['impact']}: {violation['id']} ({violation['help']}): {nodes}"
                )
            for target in small[:10]:
                print(f"    under 44 px: {target}")
        finally:
            context.close()
    return problems


def without_scripts(browser):
    """The invoice page with JavaScript off: its name, amount due and Download."""
    context = browser.new_context(java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        page.goto(f"{BASE}/pay/{customer['invoice_token']}", wait_until="load")
        name = page.locator(".o_islebooks_invoice_name").inner_text()
        amount = page.locator(".o_islebooks_amount_due").inner_text()
        download = page.locator("a.o_islebooks_download_pdf")
        href = download.get_attribute("href") if download.count() else None
        ok = bool(name and amount and href)
        if href:
            pdf = context.request.get(f"{BASE}{href}")
            ok = ok and pdf.ok and pdf.body().startswith(b"%PDF")
        print()
        print(
            f"JavaScript off, invoice page: {name!r}, amount {amount!r},"
            f" Download {'gives the PDF' if ok else 'MISSING'}"
        )
        return 0 if ok else 1
    finally:
        context.close()


def main():
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            rows_pages = pages()
            if os.environ.get("BENCH_PHONE_AUDIT_ONLY"):
                rows = []
            else:
                rows = measure(browser)
                report(rows)
            problems = audit(browser, rows_pages) + without_scripts(browser)
        finally:
            browser.close()
    print(
        f"bench/phone.py took {time.monotonic() - started:.0f}s;"
        f" {problems} accessibility or JS-off problems"
    )


if __name__ == "__main__":
    main()
