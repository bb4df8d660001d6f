"""Take the README / Apps page screenshots from a running Odoo, with headless Chromium.

Driven through the DevTools protocol (websocket-client), so it can click, right-click
and wait like a user. Usage: screenshots.py <base_url> <out_dir> (see .ci/screenshots).
"""

import base64
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests
import websocket
from PIL import Image, ImageDraw, ImageFont  # Odoo's own dependency

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

    def drag(self, x, y, dx):
        """Press the left button at (x, y), move it ``dx`` pixels right, release."""
        mouse = "Input.dispatchMouseEvent"
        self.call(mouse, type="mouseMoved", x=x, y=y)
        self.call(mouse, type="mousePressed", x=x, y=y, button="left", clickCount=1)
        for step in range(1, 6):
            self.call(mouse, type="mouseMoved", x=x + dx * step / 5, y=y, button="left", buttons=1)
            time.sleep(0.05)
        self.call(mouse, type="mouseReleased", x=x + dx, y=y, button="left", clickCount=1)
        time.sleep(0.3)

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

    def shot(self, name, full_page=False, until=None, element=None):
        """Screenshot of the viewport, of the page down to the end of ``until``, or of
        ``element`` alone (the first match, with a small margin)."""
        params = {"format": "png"}
        if element:
            box = self.js(
                f"(() => {{ const r = document.querySelector({json.dumps(element)})"
                ".getBoundingClientRect(); return {x: r.left + window.scrollX,"
                " y: r.top + window.scrollY, width: r.width, height: r.height,"
                " inside: r.bottom <= window.innerHeight}; })()"
            )
            width = self.call("Page.getLayoutMetrics")["cssContentSize"]["width"]
            params.update(
                # Capturing beyond the viewport resizes it, and a resize makes Odoo's
                # lists recompute their column widths: only when the element needs it.
                captureBeyondViewport=not box["inside"],
                clip={
                    "x": 0,
                    "y": max(box["y"] - 16, 0),
                    "width": width,
                    "height": box["height"] + 32,
                    "scale": 1,
                },
            )
        elif full_page:
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
    staff(browser, session)
    return session


def staff(browser, session):
    """The browser is logged in as admin (backend shots)."""
    browser.call(
        "Network.setCookie",
        name="session_id",
        value=session.cookies["session_id"],
        url=BASE_URL,
    )


def customer_view(browser):
    """The browser is a visitor with no session, like a customer opening a link."""
    browser.call("Network.deleteCookies", name="session_id", url=BASE_URL)


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


def find_row(name):
    """JS expression: the list row whose name cell (Number, Name) is exactly ``name``."""
    return (
        "[...document.querySelectorAll('.o_data_row')].find((tr) => [...tr.querySelectorAll("
        "'.o_data_cell[name=name], .o_data_cell[name=complete_name]')].some((td) =>"
        f" td.textContent.trim() === {json.dumps(name)}))"
    )


RIGHT_CLICK_ROW = """
((row) => {
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


def select_rows(browser, names):
    """Tick the list rows of ``names``, as a user would."""
    for name in names:
        browser.js(f"{find_row(name)}.querySelector('.o_list_record_selector input').click()")
    time.sleep(0.5)


def resize_columns(browser, widths):
    """Drag the dialog's list column edges to ``widths`` ({field: px}), in order
    (narrow some first, then widen others, so the table never overflows)."""
    for name, width in widths.items():
        handle = browser.js(
            f"(() => {{ const th = document.querySelector('.modal th[data-name={name}]');"
            " const r = th.querySelector('.o_resize').getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2,"
            " th.getBoundingClientRect().width]; })()"
        )
        browser.drag(handle[0], handle[1], width - handle[2])
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=0, y=0)


def list_action(browser, label):
    """Actions › ``label`` on the list's selection."""
    browser.js(
        "[...document.querySelectorAll('.o_cp_action_menus button')]"
        ".find((b) => b.textContent.includes('Actions')).click()"
    )
    browser.wait_for(".o-dropdown--menu .o-dropdown-item")
    browser.js(
        "[...document.querySelectorAll('.o-dropdown--menu .o-dropdown-item')]"
        f".find((item) => item.textContent.trim() === {json.dumps(label)}).click()"
    )


# The customer with a history of the addon's demo data (islebooks_payment_links/demo/):
# the Customer Portal, WhatsApp and confirmation shots are about it.
CUSTOMER = "Reef View Guesthouse"


def days_ago(days):
    return str(datetime.date.today() - datetime.timedelta(days=days))


def demo_customer(session):
    found = rpc(session, "res.partner", "search", [("name", "=", CUSTOMER)], limit=1)
    if not found:
        raise RuntimeError(f"{CUSTOMER} is missing: install the addon with its demo data")
    return found[0]


def proof_png(amount):
    """A bank's transfer receipt, the kind of file a customer uploads as proof."""

    def font(size, bold=False):
        name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
        return ImageFont.truetype(f"/usr/share/fonts/truetype/dejavu/{name}", size)

    image = Image.new("RGB", (520, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 519, 299), outline="#c8c8c8")
    draw.rectangle((0, 0, 519, 56), fill="#0b5d7a")
    draw.text((20, 14), "Bank of the Isles", font=font(22, bold=True), fill="white")
    draw.text((20, 72), "Transfer completed", font=font(18, bold=True), fill="#1a7f37")
    rows = (
        ("From", CUSTOMER),
        ("To", "YourCompany"),
        ("Amount", amount),
        ("Date", days_ago(1)),
        ("Reference", "FT26330RV0042"),
    )
    for index, (label, value) in enumerate(rows):
        y = 112 + index * 34
        draw.text((20, y), label, font=font(15), fill="#666666")
        draw.text((150, y), value, font=font(15, bold=True), fill="#222222")
    path = os.path.join(tempfile.gettempdir(), "islebooks_transfer_receipt.png")
    image.save(path, optimize=True)
    return path


def prepare_demo(session, company_id, customer):
    """Same starting point on every run: confirmations off (turned on for the last
    shots) and none left from an earlier run."""
    rpc(
        session,
        "res.company",
        "write",
        [company_id],
        {"payment_link_amount_in_words": True, "payment_confirmation_enabled": False},
    )
    earlier = rpc(
        session, "islebooks.payment.confirmation", "search", [("partner_id", "=", customer)]
    )
    if earlier:
        rpc(session, "islebooks.payment.confirmation", "unlink", earlier)


OPEN_INVOICES = [
    ("move_type", "=", "out_invoice"),
    ("state", "=", "posted"),
    ("payment_state", "=", "not_paid"),
]


def open_invoices(session, customer_name, limit=None):
    return rpc(
        session,
        "account.move",
        "search_read",
        [*OPEN_INVOICES, ("commercial_partner_id.name", "=", customer_name)],
        ["name", "amount_residual", "currency_id"],
        order="invoice_date_due, id",
        limit=limit,
    )


def invoice_url(session, invoice_id):
    link = rpc(session, "account.move", "action_copy_payment_link", [invoice_id])
    url = link["params"]["links"][0]["url"]
    return BASE_URL + url[url.index("/pay/") :]


def shoot_invoice_backend(browser, invoice):
    browser.viewport(1280, 800)
    browser.goto(
        f"{BASE_URL}/odoo/action-account.action_move_out_invoice_type",
        ".o_list_view .o_data_row",
    )
    browser.js(f"{RIGHT_CLICK_ROW}({find_row(invoice['name'])})")
    browser.wait_for(".o_islebooks_context_menu [role=menuitem]")
    time.sleep(0.5)
    browser.shot("backend_invoice_list_right_click.png")

    browser.goto(
        f"{BASE_URL}/odoo/action-account.action_move_out_invoice_type/{invoice['id']}",
        ".o_form_view .o_notebook",
    )
    browser.js("document.querySelector('.o_notebook a[name=payment_link]')?.click() || true")
    browser.wait_for(".o_notebook .o_field_islebooks_payment_link_url")
    time.sleep(0.5)
    browser.shot("backend_invoice_form_payment_link.png")

    # Send by Email: the message already carries the invoice's payment link.
    browser.js(
        "document.querySelector('.o_form_view button[name=action_invoice_sent]').click() || true"
    )
    # A fresh database asks for the document layout first: keep Odoo's default.
    for _attempt in range(40):
        if browser.js("!!document.querySelector(\".modal a[href*='/pay/']\")"):
            break
        browser.js(
            "document.querySelector('.modal button[name=document_layout_save]')?.click() || true"
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


def shoot_payment_page(browser, session, invoice, pay_url):
    customer_view(browser)
    browser.viewport(1280, 900)
    browser.goto(pay_url, ".o_islebooks_pay")
    browser.shot("payment_page_desktop.png", full_page=True, until=".o_islebooks_pay")

    browser.viewport(390, 844, mobile=True)
    browser.goto(pay_url, ".o_islebooks_pay")
    browser.shot("payment_page_mobile.png", full_page=True, until=".o_islebooks_pay")
    staff(browser, session)

    pdf = session.get(f"{BASE_URL}/report/pdf/account.report_invoice/{invoice['id']}", timeout=300)
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


RIGHT_CLICK_CARD = """
((name) => {
    const card = [...document.querySelectorAll(".o_kanban_record")].find(
        (el) => el.textContent.includes(name));
    const rect = card.getBoundingClientRect();
    card.dispatchEvent(new MouseEvent("contextmenu", {
        bubbles: true, cancelable: true, button: 2,
        clientX: rect.left + 60, clientY: rect.top + rect.height / 2,
    }));
    return true;
})
"""


def shoot_generate_link(browser):
    """Invoicing › Customers opens in kanban: right-click a card; then Actions ›
    Generate Payment Link for two customers of the list, one with a long name."""
    browser.viewport(1280, 800)
    browser.goto(
        f"{BASE_URL}/odoo/action-account.res_partner_action_customer",
        ".o_kanban_view .o_kanban_record",
    )
    browser.js(f"{RIGHT_CLICK_CARD}({json.dumps(CUSTOMER)})")
    browser.wait_for(".o_islebooks_context_menu [role=menuitem]")
    time.sleep(0.5)
    browser.shot("backend_customer_kanban_right_click.png")
    browser.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'})) || true")

    browser.js("document.querySelector('.o_switch_view.o_list')?.click() || true")
    browser.wait_for(".o_list_view .o_data_row")
    select_rows(browser, [CUSTOMER, "Deco Addict"])
    list_action(browser, "Generate Payment Link")
    browser.wait_for(".modal .o_islebooks_portal_url")
    time.sleep(1.5)
    browser.js("document.activeElement?.blur() || true")
    browser.shot("backend_generate_payment_link.png")


def shoot_portal(browser, session, customer):
    """The Customer Portal of the customer with a history, on a phone, as they see it."""
    action = rpc(session, "res.partner", "action_generate_payment_link", [customer])
    wizard = rpc(session, action["res_model"], "read", [action["res_id"]], ["link_ids"])[0]
    url = rpc(session, "islebooks.payment.link", "read", wizard["link_ids"], ["url"])
    portal_url = BASE_URL + url[0]["url"][url[0]["url"].index("/pay/") :]
    customer_view(browser)
    browser.viewport(390, 844, mobile=True)
    browser.goto(portal_url, ".o_islebooks_portal_unpaid")
    browser.shot("customer_portal_mobile.png", full_page=True, until=".o_islebooks_pay")
    staff(browser, session)


def shoot_whatsapp(browser, session):
    """Invoices › Actions › Send via WhatsApp for three customers: one message per
    customer (several invoices of one customer make one message), the customer without
    a number listed with the reason. The optional Message column shows each text."""
    names = [invoice["name"] for invoice in open_invoices(session, CUSTOMER)]
    for other in ("Deco Addict", "Azure Interior"):
        names += [invoice["name"] for invoice in open_invoices(session, other, limit=1)]
    browser.viewport(1280, 1200)
    browser.goto(
        f"{BASE_URL}/odoo/action-account.action_move_out_invoice_type",
        ".o_list_view .o_data_row",
    )
    select_rows(browser, names)
    list_action(browser, "Send via WhatsApp")
    browser.wait_for(".modal .o_data_row button[name=action_open_whatsapp]")
    time.sleep(0.5)
    # The list's optional columns: show Message, hide Opened (all unopened here).
    browser.js("document.querySelector('.modal .o_optional_columns_dropdown_toggle').click()")
    browser.wait_for(".o-dropdown--menu input[name=message]")
    browser.js("document.querySelector('.o-dropdown--menu input[name=message]').click()")
    time.sleep(0.5)
    browser.js("document.querySelector('.o-dropdown--menu input[name=opened]').click()")
    time.sleep(0.5)
    browser.js("document.querySelector('.modal .o_optional_columns_dropdown_toggle').click()")
    browser.wait_for(".modal td[name=message]")
    time.sleep(1.0)
    # As a user would, drag the column edges so invoice numbers and names show whole.
    resize_columns(browser, {"error": 142, "number": 110, "move_ids": 145, "partner_id": 170})
    browser.js("document.activeElement?.blur() || true")
    browser.shot("backend_whatsapp_send.png", element=".modal-content")


def shoot_confirmation(browser, session, company_id, customer):
    """A customer reports a bank transfer with a proof on the invoice page (the real
    form, in the browser), then staff open it under Payment Confirmations."""
    journal = rpc(
        session,
        "account.journal",
        "search",
        [("type", "=", "bank"), ("company_id", "=", company_id)],
        limit=1,
    )
    rpc(
        session,
        "res.company",
        "write",
        [company_id],
        {"payment_confirmation_enabled": True, "payment_confirmation_journal_id": journal[0]},
    )
    invoice = open_invoices(session, CUSTOMER, limit=1)[0]
    pay_url = invoice_url(session, invoice["id"])

    customer_view(browser)
    browser.viewport(390, 844, mobile=True)
    browser.goto(pay_url, ".o_islebooks_confirmation_form")
    browser.js(
        f"""(() => {{
        const form = document.querySelector('.o_islebooks_confirmation_form');
        form.closest('details').open = true;
        form.querySelector('[name=transfer_date]').value = {json.dumps(days_ago(1))};
        form.querySelector('[name=bank_reference]').value = 'FT26330RV0042';
        form.querySelector('[name=note]').value = 'Paid from our BML business account.';
        return true;
    }})()"""
    )
    document = browser.call("DOM.getDocument")
    node = browser.call(
        "DOM.querySelector",
        nodeId=document["root"]["nodeId"],
        selector=".o_islebooks_confirmation_form input[name=proof]",
    )
    amount = f"{invoice['currency_id'][1]} {invoice['amount_residual']:,.2f}"
    browser.call("DOM.setFileInputFiles", files=[proof_png(amount)], nodeId=node["nodeId"])
    time.sleep(0.5)
    browser.shot("payment_confirmation_form_mobile.png", element="#o_islebooks_confirmation")
    browser.js("document.querySelector('.o_islebooks_confirmation_submit').click() || true")
    browser.wait_for(".o_islebooks_confirmation_received")
    staff(browser, session)

    confirmation = rpc(
        session,
        "islebooks.payment.confirmation",
        "search",
        [("partner_id", "=", customer), ("state", "=", "pending")],
        limit=1,
    )
    if not confirmation:
        raise RuntimeError("the customer's confirmation was not recorded")
    browser.viewport(1280, 960)
    browser.goto(
        f"{BASE_URL}/odoo/action-islebooks_payment_links.islebooks_payment_confirmation_action"
        f"/{confirmation[0]}",
        ".o_form_view .o_islebooks_proof_image img",
    )
    browser.shot("backend_payment_confirmation.png")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    browser = Browser()
    try:
        session = login(browser)
        company_id = rpc(session, "res.users", "read", [2], ["company_id"])[0]["company_id"][0]
        customer = demo_customer(session)
        prepare_demo(session, company_id, customer)
        # The demo's open invoice with the largest amount due, and its link.
        invoice = rpc(
            session,
            "account.move",
            "search_read",
            OPEN_INVOICES,
            ["name", "partner_id"],
            order="amount_residual desc",
            limit=1,
        )[0]
        pay_url = invoice_url(session, invoice["id"])
        print(f"Invoice {invoice['name']}: {pay_url.rsplit('/', 1)[0]}/…")

        shoot_invoice_backend(browser, invoice)
        shoot_payment_page(browser, session, invoice, pay_url)
        shoot_generate_link(browser)
        shoot_portal(browser, session, customer)
        shoot_whatsapp(browser, session)
        shoot_confirmation(browser, session, company_id, customer)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
