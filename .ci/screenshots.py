"""Take the README / Apps page screenshots from a running Odoo, with headless Chromium.

Driven through the DevTools protocol (websocket-client), so it can click, right-click
and wait like a user. Usage: screenshots.py <base_url> <out_dir> (see .ci/screenshots).
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests
import websocket

BASE_URL, OUT_DIR = sys.argv[1], sys.argv[2]
DEBUG_PORT = int(os.environ.get("ISLEBOOKS_SHOTS_DEBUG_PORT", "9316"))


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="islebooks_shots_")
        self.process = subprocess.Popen(
            [
                shutil.which("chromium") or shutil.which("chromium-browser"),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--lang=en-US",
                f"--user-data-dir={self.profile}",
                f"--remote-debugging-port={DEBUG_PORT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(100):
            try:
                pages = requests.get(f"http://127.0.0.1:{DEBUG_PORT}/json", timeout=2).json()
                page = next(p for p in pages if p["type"] == "page")
                break
            except Exception:  # noqa: BLE001 - Chromium still starting
                time.sleep(0.2)
        else:
            raise RuntimeError("Chromium did not start")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def js(self, expression):
        result = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, selector, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.js(f"!!document.querySelector({json.dumps(selector)})"):
                return
            time.sleep(0.25)
        raise RuntimeError(f"timeout waiting for {selector}")

    def viewport(self, width, height, mobile=False):
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1 if not mobile else 2,
            mobile=mobile,
        )

    def goto(self, url, ready):
        self.call("Page.navigate", url=url)
        time.sleep(0.5)
        self.wait_for(ready)
        # Let fonts, images and OWL settle.
        self.js("document.fonts.ready.then(() => true)")
        time.sleep(1.0)

    def shot(self, name, full_page=False, until=None):
        """Screenshot of the viewport, or of the page down to the end of ``until``."""
        params = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            height = size["height"]
            if until:
                bottom = self.js(
                    f"document.querySelector({json.dumps(until)}).getBoundingClientRect().bottom"
                    " + window.scrollY"
                )
                height = min(height, bottom + 16)
            params.update(
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": size["width"], "height": height, "scale": 1},
            )
        data = self.call("Page.captureScreenshot", **params)["data"]
        path = os.path.join(OUT_DIR, name)
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))
        print(f"  {path}")

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def login(browser):
    session = requests.Session()
    database = os.environ["ISLEBOOKS_SHOTS_DB"]
    response = session.post(
        f"{BASE_URL}/web/session/authenticate",
        json={"params": {"db": database, "login": "admin", "password": "admin"}},
        timeout=60,
    )
    response.raise_for_status()
    browser.call("Network.enable")
    browser.call(
        "Network.setCookie",
        name="session_id",
        value=session.cookies["session_id"],
        url=BASE_URL,
    )
    return session


def rpc(session, model, method, *args, **kwargs):
    response = session.post(
        f"{BASE_URL}/web/dataset/call_kw",
        json={"params": {"model": model, "method": method, "args": args, "kwargs": kwargs}},
        timeout=120,
    )
    payload = response.json()
    if "error" in payload:
        raise RuntimeError(payload["error"]["data"]["message"])
    return payload["result"]


RIGHT_CLICK_ROW = """
((name) => {
    const row = [...document.querySelectorAll(".o_data_row")].find((tr) =>
        tr.textContent.includes(name)
    );
    const cell = row.querySelector(".o_data_cell[name=invoice_partner_display_name]")
        || row.querySelector(".o_data_cell");
    const rect = cell.getBoundingClientRect();
    cell.dispatchEvent(new MouseEvent("contextmenu", {
        bubbles: true, cancelable: true, button: 2,
        clientX: rect.left + 30, clientY: rect.top + rect.height / 2,
    }));
    return true;
})
"""


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    browser = Browser()
    try:
        session = login(browser)
        # The demo's open invoice with the largest amount due, and its link.
        invoices = rpc(
            session,
            "account.move",
            "search_read",
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "=", "not_paid"),
            ],
            ["name", "partner_id"],
            order="amount_residual desc",
            limit=1,
        )
        invoice = invoices[0]
        link = rpc(session, "account.move", "action_copy_payment_link", [invoice["id"]])
        url = link["params"]["links"][0]["url"]
        pay_url = BASE_URL + url[url.index("/pay/") :]
        # Show every customer-facing option of the addon on the demo company.
        company_id = rpc(session, "res.users", "read", [2], ["company_id"])[0]["company_id"][0]
        rpc(session, "res.company", "write", [company_id], {"payment_link_amount_in_words": True})
        print(f"Invoice {invoice['name']}: {pay_url.rsplit('/', 1)[0]}/…")

        browser.viewport(1280, 800)
        browser.goto(
            f"{BASE_URL}/odoo/action-account.action_move_out_invoice_type",
            ".o_list_view .o_data_row",
        )
        browser.js(f"{RIGHT_CLICK_ROW}({json.dumps(invoice['name'])})")
        browser.wait_for(".o_islebooks_context_menu [role=menuitem]")
        time.sleep(0.5)
        browser.shot("backend_invoice_list_right_click.png")

        browser.goto(
            f"{BASE_URL}/odoo/action-account.action_move_out_invoice_type/{invoice['id']}",
            ".o_form_view .o_notebook",
        )
        browser.js("document.querySelector('.o_notebook a[name=payment_link]')?.click() || true")
        browser.wait_for(
            ".o_notebook .o_field_CopyClipboardChar, .o_notebook [name=payment_link_url]"
        )
        time.sleep(0.5)
        browser.shot("backend_invoice_form_payment_link.png")

        # Send by Email: the message already carries the invoice's payment link.
        browser.js(
            "document.querySelector('.o_form_view button[name=action_invoice_sent]')"
            ".click() || true"
        )
        # A fresh database asks for the document layout first: keep Odoo's default.
        for _attempt in range(40):
            if browser.js("!!document.querySelector(\".modal a[href*='/pay/']\")"):
                break
            browser.js(
                "document.querySelector('.modal button[name=document_layout_save]')?.click()"
                " || true"
            )
            time.sleep(0.5)
        browser.wait_for(".modal a[href*='/pay/']")
        time.sleep(1.0)
        browser.shot("backend_invoice_email_payment_link.png")

        browser.goto(f"{BASE_URL}/odoo/settings#account", ".o_setting_container")
        browser.js(
            "document.querySelector('#islebooks_payment_link_validity')"
            "?.closest('.o_settings_container')?.previousElementSibling"
            "?.scrollIntoView({block: 'start'}) || true"
        )
        time.sleep(1.0)
        browser.shot("backend_settings_payment_links.png")

        browser.viewport(1280, 900)
        browser.goto(pay_url, ".o_islebooks_pay")
        browser.shot("payment_page_desktop.png", full_page=True, until=".o_islebooks_pay")

        browser.viewport(390, 844, mobile=True)
        browser.goto(pay_url, ".o_islebooks_pay")
        browser.shot("payment_page_mobile.png", full_page=True, until=".o_islebooks_pay")

        pdf = session.get(
            f"{BASE_URL}/report/pdf/account.report_invoice/{invoice['id']}", timeout=300
        )
        pdf.raise_for_status()
        pdf_path = os.path.join(tempfile.gettempdir(), "islebooks_invoice_shot.pdf")
        with open(pdf_path, "wb") as file:
            file.write(pdf.content)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-singlefile",
                pdf_path,
                os.path.join(OUT_DIR, "invoice_pdf_qr_code"),
            ],
            check=True,
        )
        print(f"  {os.path.join(OUT_DIR, 'invoice_pdf_qr_code.png')}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
