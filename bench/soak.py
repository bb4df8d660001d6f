"""Soak test: minutes of mixed traffic on a multi-worker server, then the checks (bench/soak).

Customers, a guesser and a member of staff, each a thread with its own HTTP session, do
what they do on a working day while the addon's jobs run in Odoo's cron worker:

- viewers open invoice pages, Customer Portals (their pages, an invoice of them) and now
  and then a legal PDF;
- payers open an invoice link and pay it with Odoo's Demo provider as its payment form
  does (the transaction route of the page, the provider's notification, Odoo's status
  page and its polling, back to the page), preferring invoices whose link staff handed
  out a few seconds before; some press Pay twice at once, some close the tab after
  paying (Odoo's post-processing job books those), some payments are notified twice
  at the same moment, as a provider retrying does;
- a portal customer pays several invoices at once from the Customer Portal's checkout;
- a customer who paid by bank transfer reports it with a proof (PNG or PDF), which
  staff approve;
- a guesser tries unknown and tampered tokens (404, then 429 once throttled);
- staff, over JSON-RPC as an invoicing user, create and post a batch of invoices and
  hand their links out with Copy Invoice URL (which queues their legal PDFs for the
  preparation job), then approve the transfers reported;
- the reminder job is triggered every few minutes (``ir.cron._trigger``'s row and
  notification).

Each customer comes from an address of its own on 127.0.0.0/8 (loopback), as customers
do: the throttles keep their production limits. Every customer owns its invoices: an
invoice is only ever paid by one client, one payment at a time (but for the double
presses), so any payment refused is a refusal of an idle invoice.

Then it reports requests by status, latency per route, server errors, the longest lock
wait (sampled from ``pg_locks.waitstart`` and logged by PostgreSQL's ``log_lock_waits``),
the workers' memory at start and end, and checks that every payment is in the books once.
It exits 1 when a check fails.
"""

import html
import itertools
import json
import os
import random
import re
import secrets
import statistics
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import psycopg2
import requests
from requests.adapters import HTTPAdapter

BASE = os.environ["BENCH_URL"]
LOG = os.environ["SOAK_SERVER_LOG"]
PG_LOG = os.environ.get("SOAK_PG_LOG", "")
SERVER_PID = int(os.environ["SOAK_SERVER_PID"])
SECONDS = float(os.environ.get("SOAK_MINUTES", "10")) * 60
STAFF_EVERY = float(os.environ.get("SOAK_STAFF_EVERY", "30"))
STAFF_BATCH = int(os.environ.get("SOAK_STAFF_BATCH", "10"))
REMINDER_EVERY = float(os.environ.get("SOAK_REMINDER_EVERY", "120"))
SLOW = 10.0  # seconds: counted (the machine may be busy)
POST_PROCESS_WAIT = 300  # seconds after the traffic for Odoo's job to book the payments left
STALLED = 60.0  # seconds: a request stalled (a customer is long gone): a failure
PLAN = json.load(open(os.environ["SOAK_PLAN"]))
DB = PLAN["db"]
rng = random.Random(os.environ.get("SOAK_SEED", "27"))
rng_lock = threading.Lock()
stop = threading.Event()  # the end of the traffic
sampled = threading.Event()  # the end of the lock sampling, once the checks are done

# The messages of a refused payment start (islebooks_payment_links/models/account_move.py).
REFUSALS = ("Please wait", "being updated", "being processed")
CSRF_RE = re.compile(r'csrf_token: "([^"]+)"|name="csrf_token" value="([^"]+)"')
ATTR_RE = re.compile(r'([\w-]+)="([^"]*)"')
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pick(seq):
    with rng_lock:
        return rng.choice(seq)


def chance(p):
    with rng_lock:
        return rng.random() < p


def pause(low, high):
    with rng_lock:
        delay = rng.uniform(low, high)
    stop.wait(delay)


# ----------------------------------------------------------------------------
# What the clients saw
# ----------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)  # route: [seconds]
        self.status = defaultdict(Counter)  # route: {status: n}
        self.failures = []  # (check, text)
        self.notes = Counter()
        self.payments = []  # what the customers paid: {reference, invoice_ids, kind}
        self.refusals = []  # (route, invoice ids, message, expected)
        self.confirmations = 0
        self.slow = []  # (seconds, route, time) of the requests slower than SLOW

    def request(self, route, status, seconds):
        with self.lock:
            self.times[route].append(seconds)
            self.status[route][status] += 1

    def fail(self, check, text):
        with self.lock:
            self.failures.append((check, text))

    def note(self, what, n=1):
        with self.lock:
            self.notes[what] += n


stats = Stats()
_addresses = itertools.count(1)


def new_address():
    """A loopback address of its own (127.1.x.y): one customer, one address."""
    n = next(_addresses)
    return f"127.1.{n // 250 % 250}.{n % 250 + 1}"


class SourceAdapter(HTTPAdapter):
    def __init__(self, source, **kwargs):
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        return super().init_poolmanager(*args, **kwargs)


class Client:
    """One browser: its own address, cookies (Odoo's session) and CSRF token."""

    def __init__(self, address=None):
        self.session = requests.Session()
        self.address = address or new_address()
        self.session.mount("http://", SourceAdapter(self.address))
        self.csrf = None

    def call(self, route, method, path, expect=(200,), **kwargs):
        started = time.perf_counter()
        try:
            # Odoo's worker time limit (limit_time_real, 120 s) ends a request first.
            response = self.session.request(method, BASE + path, timeout=150, **kwargs)
        except requests.RequestException as error:
            stats.request(route, "no answer", time.perf_counter() - started)
            stats.fail("every request answered", f"{route} {method} {path[:60]}: {error}")
            return None
        seconds = time.perf_counter() - started
        stats.request(route, response.status_code, seconds)
        if seconds > SLOW:
            stats.slow.append((seconds, route, time.strftime("%H:%M:%S")))
        if response.status_code >= 500:
            stats.fail("no 5xx answers", f"{route} {method} {path[:80]}: {response.status_code}")
        elif response.status_code not in expect:
            stats.fail(
                "expected statuses",
                f"{route} {method} {path[:80]}: {response.status_code} (expected {expect})",
            )
        if "text/html" in response.headers.get("Content-Type", ""):
            found = CSRF_RE.search(response.text)
            if found:
                self.csrf = found.group(1) or found.group(2)
        return response

    def get(self, route, path, **kwargs):
        return self.call(route, "GET", path, **kwargs)

    def jsonrpc(self, route, path, params, expect=(200,)):
        """(result, error message) of a JSON-RPC call, as Odoo's ``rpc()`` makes it."""
        response = self.call(
            route,
            "POST",
            path,
            expect=expect,
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
        )
        if response is None or response.status_code != 200:
            return None, f"HTTP {response.status_code if response is not None else 'error'}"
        body = response.json()
        if "error" in body:
            data = body["error"].get("data") or {}
            return None, data.get("message") or body["error"].get("message") or "error"
        return body.get("result"), None


def payment_form(page):
    """(form attributes, Demo provider id, its payment method id) of a page's payment form."""
    form = re.search(r'<form[^>]*id="o_payment_form"[^>]*>', page)
    if not form:
        return None
    attrs = {k: html.unescape(v) for k, v in ATTR_RE.findall(form.group(0))}
    for radio in re.findall(r'<input[^>]*name="o_payment_radio"[^>]*>', page):
        option = dict(ATTR_RE.findall(radio))
        if option.get("data-provider-code") == "demo":
            return attrs, int(option["data-provider-id"]), int(option["data-payment-option-id"])
    return None


def blocker_text(page):
    """The words a page shows instead of its payment form (alerts), for the report."""
    found = re.findall(r'<div[^>]*class="[^"]*alert[^"]*"[^>]*>(.*?)</div>', page, re.S)
    text = " / ".join(re.sub(r"<[^>]+>|\s+", " ", item).strip() for item in found)
    return text[:200] or "no payment form"


# ----------------------------------------------------------------------------
# Paying as Odoo's payment form does
# ----------------------------------------------------------------------------


def start_transaction(client, form, provider_id, method_id, route):
    params = {
        "provider_id": provider_id,
        "payment_method_id": method_id,
        "token_id": None,
        "amount": float(form["data-amount"]) if form.get("data-amount") else None,
        "flow": "direct",
        "tokenization_requested": False,
        "landing_route": form.get("data-landing-route"),
        "is_validation": False,
        "access_token": form.get("data-access-token") or None,
        "csrf_token": client.csrf,
    }
    return client.jsonrpc(route, form["data-transaction-route"], params)


def notify_done(reference, twice=False):
    """The provider's "done" notification (Demo: ``/payment/demo/simulate_payment``);
    ``twice``: delivered twice at the same moment, from two connections."""
    params = {"reference": reference, "payment_details": "4242", "simulated_state": "done"}
    senders = [Client(address="127.0.3.1") for _ in range(2 if twice else 1)]
    barrier = threading.Barrier(len(senders))

    def send(sender):
        barrier.wait()
        return sender.jsonrpc("provider notification", "/payment/demo/simulate_payment", params)

    with ThreadPoolExecutor(len(senders)) as pool:
        results = list(pool.map(send, senders))
    for _result, error in results:
        if error:
            stats.fail("payments go through", f"notification of {reference}: {error}")
    return not any(error for _result, error in results)


def finish_payment(client, kind, reference, invoice_ids):
    """Odoo's status page and its polling until the payment is booked, then the landing page."""
    client.get("/payment/status", "/payment/status")
    landing = None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        result, error = client.jsonrpc("/payment/status/poll", "/payment/status/poll", {})
        if error:
            # Odoo's poll answers "retry" when its post-processing met a
            # concurrent one; its page polls again.
            stats.note(f"status poll answered: {error[:80]}")
            stop.wait(0.5)
            continue
        if result["state"] == "done":
            landing = result["landing_route"]
            break
        stop.wait(0.5)
    if not landing:
        stats.fail("payments go through", f"{kind} {reference}: not done after polling")
        return
    page = client.get("landing page", landing)
    if page is not None and page.status_code == 200 and "receipt" not in page.text.lower():
        stats.note("landing page without a receipt")


def pay(client, page_route, page_path, kind, invoice_ids, contested=False):
    """Open ``page_path`` and pay what its form asks; returns the transaction reference."""
    page = client.get(page_route, page_path, expect=(200, 400))
    if page is None:
        return None
    if page.status_code != 200:
        # A checkout the portal refuses, with its reason.
        stats.refusals.append((page_route, invoice_ids, blocker_text(page.text), False))
        return None
    found = payment_form(page.text)
    if not found:
        stats.refusals.append((page_route, invoice_ids, blocker_text(page.text), False))
        return None
    form, provider_id, method_id = found
    route = kind + ": transaction"
    if contested:
        # The Pay button pressed twice at once: Odoo's form sends two requests.
        barrier = threading.Barrier(2)

        def press():
            barrier.wait()
            answer = start_transaction(client, form, provider_id, method_id, route)
            return time.monotonic(), answer

        with ThreadPoolExecutor(2) as pool:
            # The answer that came last is the one the form goes on with.
            results = [
                answer
                for _t, answer in sorted(
                    pool.map(lambda _i: press(), range(2)), key=lambda item: item[0]
                )
            ]
    else:
        results = [start_transaction(client, form, provider_id, method_id, route)]
    started = [result for result, error in results if not error]
    for _result, error in results:
        if error:
            # Only a second press of the same customer may be told to wait.
            expected = contested and len(started) == 1 and "Please wait" in error
            stats.refusals.append((route, invoice_ids, error, expected))
    if not started:
        return None
    # Odoo's form goes on with the answer it got last; an earlier one (superseded,
    # cancelled) is left as the customer's browser leaves it.
    reference = started[-1]["reference"]
    stats.note(f"{kind} started")
    if not notify_done(reference, twice=chance(0.1)):
        return None
    with stats.lock:
        stats.payments.append({"reference": reference, "invoice_ids": invoice_ids, "kind": kind})
    if chance(0.1):
        stats.note("tab closed after paying (left to Odoo's post-processing job)")
        return reference
    finish_payment(client, kind, reference, invoice_ids)
    return reference


# ----------------------------------------------------------------------------
# The clients
# ----------------------------------------------------------------------------

fresh = deque()  # links staff handed out: (time, link)
fresh_lock = threading.Lock()
payer_pool = deque(PLAN["payer_links"])
confirm_pool = deque(PLAN["confirm_links"])
viewable = [link["token"] for link in PLAN["payer_links"] + PLAN["confirm_links"]]
portal_tokens = [link["token"] for link in PLAN["portal_links"]]
portal_pool = deque(PLAN["portal_links"])
portal_paid = set()
portal_payments = Counter()  # payments started per portal link
PORTAL_PAYMENTS = 8  # under the limit of 10, a double press counting twice
pdf_lock = threading.Lock()
last_pdf = [0.0]


def next_payer_link():
    """A link staff handed out a few seconds ago if any (the issue's customer, who opens
    the link from WhatsApp and pays at once), else an older open invoice."""
    with fresh_lock:
        if fresh and time.monotonic() - fresh[0][0] >= 2:
            return fresh.popleft()[1]
        return payer_pool.popleft() if payer_pool else None


def payer():
    while not stop.is_set():
        link = next_payer_link()
        if not link:
            stats.note("payers ran out of open invoices")
            return
        pay(
            Client(),
            "invoice page",
            f"/pay/{link['token']}",
            "invoice link",
            [link["invoice_id"]],
            contested=chance(0.1),
        )
        pause(0.5, 2)


def portal_payer():
    while not stop.is_set():
        if not portal_pool:
            return
        link = portal_pool[0]
        if portal_payments[link["token"]] >= PORTAL_PAYMENTS:
            # A link starts at most 10 payments an hour (the throttle's default,
            # ``transactions_per_link_per_hour``): this customer is done.
            portal_pool.popleft()
            continue
        client = Client()
        page = client.get("portal page", f"/pay/{link['token']}")
        if page is None or page.status_code != 200:
            portal_pool.popleft()
            continue
        # The unpaid rows' checkboxes (the paid history has some too, for its ZIP).
        rows = re.findall(r"<input[^>]*o_islebooks_select[^>]*>", page.text)
        ids = sorted({int(m) for row in rows for m in re.findall(r'value="(\d+)"', row)})
        # Those it paid a moment ago may still be listed (booked by the job).
        ids = [i for i in ids if i not in portal_paid]
        if not ids:
            portal_pool.popleft()
            continue
        with rng_lock:
            chosen = rng.sample(ids, min(len(ids), rng.randint(1, 3)))
        query = "&".join(f"invoice_ids={i}" for i in chosen)
        if pay(
            client,
            "portal checkout",
            f"/pay/{link['token']}/checkout?{query}",
            "portal",
            chosen,
            contested=chance(0.05),
        ):
            portal_paid.update(chosen)
        portal_payments[link["token"]] += 1
        portal_pool.rotate(-1)  # the next customer's portal
        pause(1, 4)


def confirmer():
    while not stop.is_set():
        if not confirm_pool:
            return
        link = confirm_pool.popleft()
        client = Client()
        page = client.get("invoice page", f"/pay/{link['token']}")
        if page is None or page.status_code != 200:
            continue
        amount = re.search(r'name="amount"[^>]*value="([^"]*)"', page.text)
        if not amount or 'name="csrf_token"' not in page.text:
            stats.fail("transfers can be reported", f"no confirmation form on {link['invoice_id']}")
            continue
        proof = (
            ("proof.png", PNG, "image/png")
            if chance(0.5)
            else ("proof.pdf", PDF, "application/pdf")
        )
        response = client.call(
            "/pay/<token>/confirm",
            "POST",
            f"/pay/{link['token']}/confirm",
            expect=(303,),
            allow_redirects=False,
            data={
                "csrf_token": client.csrf,
                "invoice_ids": str(link["invoice_id"]),
                "amount": amount.group(1),
                "transfer_date": date.today().isoformat(),
                "bank_reference": f"SOAK-{link['invoice_id']}",
                "note": "Paid by transfer (soak)",
            },
            files={"proof": proof},
        )
        if response is not None and response.status_code == 303:
            with stats.lock:
                stats.confirmations += 1
            client.get("invoice page", response.headers["Location"].replace(BASE, ""))
        pause(4, 10)


def viewer():
    while not stop.is_set():
        client = Client()
        roll = random.random()
        if roll < 0.55:
            token = pick(viewable)
            client.get("invoice page", f"/pay/{token}{'?pay=full' if chance(0.1) else ''}")
            with pdf_lock:
                # A legal PDF now and then (rendered on its first download).
                pdf_now = time.monotonic() - last_pdf[0] > 20
                if pdf_now:
                    last_pdf[0] = time.monotonic()
            if pdf_now:
                client.get("/pay/<token>/pdf", f"/pay/{token}/pdf", expect=(200, 404))
        else:
            token = pick(portal_tokens)
            page = client.get("portal page", f"/pay/{token}")
            if page is not None and page.status_code == 200:
                ids = re.findall(rf"/pay/{re.escape(token)}/invoice/(\d+)", page.text)
                if ids and chance(0.5):
                    client.get("portal invoice page", f"/pay/{token}/invoice/{pick(ids)}")
                if chance(0.3):
                    client.get("portal page", f"/pay/{token}?page=2")
        pause(0.1, 0.8)


def guesser():
    """One address trying tokens: unknown ones, a real one tampered, the payment route."""
    client = Client(address="127.0.2.1")
    while not stop.is_set():
        roll = random.random()
        if roll < 0.6:
            client.get("wrong token", f"/pay/{secrets.token_urlsafe(32)}", expect=(404, 429))
        elif roll < 0.9:
            token = pick(viewable)
            tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
            client.get("wrong token", f"/pay/{tampered}", expect=(404, 429))
        else:
            result, _error = client.jsonrpc(
                "wrong token",
                f"/pay/{secrets.token_urlsafe(32)}/transaction",
                {"provider_id": 1, "payment_method_id": 1, "flow": "direct"},
                expect=(200, 404, 429),
            )
            if result:
                stats.fail(
                    "wrong tokens open nothing", f"a transaction for an unknown token: {result}"
                )
        pause(0.5, 1.5)


def staff():
    """An invoicing user: new invoices in batches, Copy Invoice URL, approvals."""
    client = Client(address="127.0.4.1")
    _result, error = client.jsonrpc(
        "staff: sign in",
        "/web/session/authenticate",
        {"db": DB, "login": PLAN["staff"]["login"], "password": PLAN["staff"]["password"]},
    )
    if error:
        stats.fail("staff actions succeed", f"sign in: {error}")
        return

    def call(model, method, args, kwargs=None):
        result, error = client.jsonrpc(
            f"staff: {model}.{method}",
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )
        if error:
            stats.fail("staff actions succeed", f"{model}.{method}: {error}")
        return result

    next_batch = time.monotonic() + 5
    while not stop.is_set():
        if time.monotonic() >= next_batch:
            next_batch += STAFF_EVERY
            with rng_lock:
                partners = rng.sample(PLAN["payer_partner_ids"], STAFF_BATCH)
            ids = call(
                "account.move",
                "create",
                [
                    [
                        {
                            "move_type": "out_invoice",
                            "partner_id": partner_id,
                            "invoice_date": date.today().isoformat(),
                            "invoice_line_ids": [
                                [0, 0, {"product_id": PLAN["product_id"], "quantity": 1 + i % 3}]
                            ],
                        }
                        for i, partner_id in enumerate(partners)
                    ]
                ],
                {"context": {"default_move_type": "out_invoice"}},
            )
            if ids and call("account.move", "action_post", [ids]) is not None:
                action = call("account.move", "action_copy_payment_link", [ids])
                if action:
                    now = time.monotonic()
                    with fresh_lock:
                        for move_id, entry in zip(ids, action["params"]["links"], strict=True):
                            token = entry["url"].rsplit("/pay/", 1)[1]
                            fresh.append((now, {"token": token, "invoice_id": move_id}))
                    stats.note("invoices created and handed out by staff", len(ids))
        pending = (
            call("islebooks.payment.confirmation", "search", [[("state", "=", "pending")]]) or []
        )
        for confirmation_id in pending[:5]:
            if call("islebooks.payment.confirmation", "action_approve", [[confirmation_id]]):
                stats.note("transfers approved by staff")
        pause(2, 5)


# ----------------------------------------------------------------------------
# The server's side: lock waits, memory, the reminder job
# ----------------------------------------------------------------------------

lock_waits = {}  # (pid, waitstart): (seconds, what)


def connect(dbname=DB):
    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = True
    return conn


def sample_locks():
    conn = connect()
    with conn.cursor() as cr:
        while not sampled.wait(0.25):
            cr.execute(
                """
                SELECT l.pid, l.waitstart, EXTRACT(EPOCH FROM now() - l.waitstart),
                       l.locktype || ' ' || l.mode || COALESCE(' on ' || c.relname, ''),
                       left(regexp_replace(a.query, '\\s+', ' ', 'g'), 160)
                  FROM pg_locks l
                  JOIN pg_stat_activity a ON a.pid = l.pid
                  LEFT JOIN pg_class c ON c.oid = l.relation
                 WHERE NOT l.granted AND a.datname = current_database()
                   AND l.waitstart IS NOT NULL
                """
            )
            for pid, start, seconds, lock, query in cr.fetchall():
                key = (pid, start)
                if seconds > lock_waits.get(key, (0,))[0]:
                    lock_waits[key] = (float(seconds), f"{lock}: {query}")
    conn.close()


def trigger_reminders():
    """What ``ir.cron._trigger()`` does: a trigger row, then wake the cron workers."""
    conn = connect()
    with conn.cursor() as cr:
        cr.execute(
            "INSERT INTO ir_cron_trigger (cron_id, call_at) VALUES (%s, now() at time zone 'UTC')",
            [PLAN["reminder_cron_id"]],
        )
    conn.close()
    postgres = connect("postgres")
    with postgres.cursor() as cr:
        cr.execute("SELECT pg_notify('cron_trigger', %s)", [DB])
    postgres.close()
    stats.note("reminder job triggered")


def reminders_clock():
    if stop.wait(20):
        return
    trigger_reminders()
    while not stop.wait(REMINDER_EVERY):
        trigger_reminders()


def workers():
    """{pid: (kind, RSS in MiB)} of the server's worker processes."""
    kinds = {}
    with open(LOG, errors="replace") as handle:
        for line in handle:
            found = re.search(r"Worker (Worker\w+) \((\d+)\) alive", line)
            if found:
                kinds[int(found.group(2))] = found.group(1)
    result = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = open(f"/proc/{entry}/status").read()
        except OSError:
            continue
        if int(re.search(r"PPid:\s+(\d+)", status).group(1)) != SERVER_PID:
            continue
        pid = int(entry)
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            gevent = b"\0gevent\0" in handle.read()
        result[pid] = (kinds.get(pid, "gevent" if gevent else "?"), rss)
    return result


def warm_up():
    """A few views per worker before the first memory sample: registries loaded."""
    client = Client()
    for _ in range(12):
        client.get("warm-up", f"/pay/{pick(viewable)}")
        client.get("warm-up", f"/pay/{pick(portal_tokens)}")


# ----------------------------------------------------------------------------
# The checks, on the database once the traffic has stopped
# ----------------------------------------------------------------------------


def wait_for_post_processing(cr, started_at):
    """Done payments nobody polled for are booked by Odoo's job (every minute, when the
    one cron worker gets to it): (how many are left, seconds waited)."""
    waited = time.monotonic()
    deadline = waited + POST_PROCESS_WAIT
    while True:
        cr.execute(
            "SELECT count(*) FROM payment_transaction WHERE create_date >= %s"
            " AND state = 'done' AND NOT is_post_processed",
            [started_at],
        )
        left = cr.fetchone()[0]
        if not left or time.monotonic() > deadline:
            return left, time.monotonic() - waited
        time.sleep(5)


def accounting_checks(started_at):
    """Every payment once in the books: (failures, figures)."""
    failures, figures = [], {}
    conn = connect()
    cr = conn.cursor()
    left, waited = wait_for_post_processing(cr, started_at)
    figures["seconds waited after the traffic for Odoo's job to book the payments"] = round(waited)
    figures["done, not post-processed after waiting"] = left
    if left:
        failures.append(f"{left} done payments not booked {POST_PROCESS_WAIT} s after the traffic")
    refs = [payment["reference"] for payment in stats.payments]
    cr.execute(
        """
        SELECT tx.reference, tx.state, tx.amount,
               (SELECT count(*) FROM account_payment p WHERE p.payment_transaction_id = tx.id),
               (SELECT count(*) FROM account_payment p WHERE p.payment_transaction_id = tx.id
                                                          AND p.state IN ('in_process', 'paid'))
          FROM payment_transaction tx
         WHERE tx.create_date >= %s
        """,
        [started_at],
    )
    txs = {row[0]: row[1:] for row in cr.fetchall()}
    figures["transactions"] = Counter(state for state, *_rest in txs.values())
    for ref in refs:
        state, _amount, payments, posted = txs.get(ref, (None, 0, 0, 0))
        if state != "done":
            failures.append(f"{ref}: notified done, the transaction is {state}")
        elif payments != 1 or posted != 1:
            failures.append(f"{ref}: {payments} payments ({posted} posted) for one transaction")
    # Any transaction of the run booked twice, even one the clients did not record.
    for ref, (state, _amount, payments, _posted) in txs.items():
        if payments > 1:
            failures.append(f"{ref} ({state}): {payments} payments")
    # The invoices paid: nothing left to pay, nothing paid twice. A payment
    # beyond what the invoice asked stays on the customer's account, unreconciled.
    paid_ids = sorted({i for payment in stats.payments for i in payment["invoice_ids"]})
    if paid_ids:
        cr.execute(
            """
            SELECT m.id, m.name, m.payment_state, m.amount_residual, m.amount_total,
                   (SELECT count(DISTINCT tx.id)
                      FROM account_invoice_transaction_rel r
                      JOIN payment_transaction tx ON tx.id = r.transaction_id
                     WHERE r.invoice_id = m.id AND tx.state = 'done')
              FROM account_move m WHERE m.id = ANY(%s)
            """,
            [paid_ids],
        )
        for move_id, name, state, residual, _total, done in cr.fetchall():
            if state not in ("paid", "in_payment") or residual:
                failures.append(f"{name} ({move_id}): paid online, {state}, {residual} left")
            if done > 1:
                failures.append(f"{name} ({move_id}): {done} done payments")
    # Transfers approved: one payment each, reconciled with the invoice.
    cr.execute(
        """
        SELECT c.id, c.state,
               (SELECT count(*) FROM islebooks_payment_confirmation_payment_rel r
                 WHERE r.confirmation_id = c.id)
          FROM islebooks_payment_confirmation c WHERE c.create_date >= %s
        """,
        [started_at],
    )
    rows = cr.fetchall()
    figures["confirmations"] = Counter(state for _id, state, _n in rows)
    for confirmation_id, state, payments in rows:
        if state == "approved" and payments != 1:
            failures.append(f"confirmation {confirmation_id}: {payments} payments")
    # Payments of the run left partly unreconciled (a double payment's money).
    cr.execute(
        """
        SELECT p.name, l.amount_residual
          FROM account_payment p
          JOIN account_move_line l ON l.move_id = p.move_id
          JOIN account_account a ON a.id = l.account_id
         WHERE p.create_date >= %s AND a.account_type = 'asset_receivable'
           AND l.amount_residual != 0
        """,
        [started_at],
    )
    for name, residual in cr.fetchall():
        failures.append(f"payment {name}: {residual} not reconciled with any invoice")
    cr.execute("SELECT count(*) FROM account_payment WHERE create_date >= %s", [started_at])
    figures["payments booked"] = cr.fetchone()[0]
    # One receipt email per payment (queued: no mail server on loopback).
    cr.execute(
        """
        SELECT m.res_id, count(*) FROM mail_mail mm JOIN mail_message m ON m.id = mm.mail_message_id
         WHERE m.model = 'account.payment' AND mm.create_date >= %s GROUP BY m.res_id
        """,
        [started_at],
    )
    receipts = dict(cr.fetchall())
    figures["receipt emails"] = sum(receipts.values())
    for payment_id, count in receipts.items():
        if count > 1:
            failures.append(f"payment {payment_id}: {count} receipt emails")
    # Receipts are queued by the payment and emailed by their job: what is still
    # owed when the checks run (not a failure: the job's next passes send them).
    cr.execute(
        "SELECT count(*), count(*) FILTER (WHERE sent_at IS NULL)"
        " FROM islebooks_payment_receipt r JOIN account_payment p ON p.id = r.payment_id"
        " WHERE p.create_date >= %s",
        [started_at],
    )
    figures["receipt emails owed (queued, still unsent)"] = cr.fetchone()
    cr.execute(
        "SELECT count(*), count(*) FILTER (WHERE state = 'sent')"
        " FROM islebooks_payment_reminder WHERE create_date >= %s",
        [started_at],
    )
    figures["reminders (planned, sent)"] = cr.fetchone()
    cr.execute(
        "SELECT count(*) FROM ir_attachment WHERE res_model = 'account.move'"
        " AND res_field = 'invoice_pdf_report_file' AND create_date >= %s",
        [started_at],
    )
    figures["legal PDFs prepared or rendered"] = cr.fetchone()[0]
    conn.close()
    return failures, figures


def server_log_errors(offset):
    """Tracebacks and ERROR/CRITICAL records of the server log since ``offset``.

    Two records are counted apart. A serialization failure is the designed
    outcome of two transactions writing the same rows in REPEATABLE READ (two
    settlements of one invoice, a notification delivered twice): Odoo retries
    the request, or its job tries again later, but its SQL layer logs the
    statement as a "bad query" first (``retried``); whether the retry went
    through is what the other checks see (no 5xx, every done payment booked
    once). And a connection from 127.0.0.1, which no client of the soak uses
    (they have addresses of their own), is wkhtmltopdf's, fetching a report's
    styles: one it opens and never uses times out in werkzeug
    (``wkhtmltopdf_idle``). Odoo's ``/payment/status/poll`` answers "retry" when
    its post-processing met a serialization failure (``Exception('retry')``,
    logged with its traceback; the status page polls again): counted in
    ``retried`` too.
    """
    errors, warnings, retried, idle = [], Counter(), 0, 0
    with open(LOG, errors="replace") as handle:
        handle.seek(offset)
        lines = handle.read().splitlines()
    for i, line in enumerate(lines):
        found = re.match(r"\S+ \S+ \d+ (\w+) \S+ (\S+): (.*)", line)
        if (
            found
            and found.group(2) == "odoo.sql_db"
            and i + 1 < len(lines)
            and "could not serialize access due to concurrent update" in lines[i + 1]
        ):
            retried += 1
        elif (
            found
            and found.group(2) == "werkzeug"
            and re.match(r"127\.0\.0\.1 .*Request timed out", found.group(3))
        ):
            idle += 1
        elif found and found.group(1) in ("ERROR", "CRITICAL"):
            block = [line]
            for following in lines[i + 1 :]:
                if re.match(r"\S+ \S+ \d+ \w+ ", following):
                    break
                block.append(following)
            if "in poll_status" in "\n".join(block) and block[-1].strip() == "Exception: retry":
                retried += 1
            else:
                errors.append("\n".join(block[:40]))
        elif found and found.group(1) == "WARNING":
            warnings[f"{found.group(2)}: {found.group(3)[:90]}"] += 1
        elif line.startswith("Traceback") and not any(
            re.match(r"\S+ \S+ \d+ (ERROR|CRITICAL)", previous)
            for previous in lines[max(i - 30, 0) : i]
        ):
            errors.append("\n".join(lines[max(i - 1, 0) : i + 30]))
    return errors, warnings, retried, idle


def pg_log_lock_waits(offset):
    """The longest lock wait PostgreSQL logged for this database (log_lock_waits)."""
    if not PG_LOG or not os.path.exists(PG_LOG):
        return None, 0
    longest, count = None, 0
    with open(PG_LOG, errors="replace") as handle:
        handle.seek(offset)
        lines = handle.read().splitlines()
    for i, line in enumerate(lines):
        if f"@{DB} " not in line:
            continue
        found = re.search(r"(still waiting for|acquired) (.*) after ([\d.]+) ms", line)
        if found:
            count += found.group(1) == "still waiting for"
            ms = float(found.group(3))
            if not longest or ms > longest[0]:
                statement = next(
                    (
                        nxt.split("STATEMENT:", 1)[1].strip()[:160]
                        for nxt in lines[i + 1 : i + 4]
                        if "STATEMENT:" in nxt
                    ),
                    "",
                )
                longest = (ms, f"{found.group(1)} {found.group(2)}: {statement}")
    return longest, count


# ----------------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------------


def percentile(values, share):
    values = sorted(values)
    return values[min(int(len(values) * share), len(values) - 1)]


def main():
    log_offset = os.path.getsize(LOG)
    pg_offset = os.path.getsize(PG_LOG) if PG_LOG and os.path.exists(PG_LOG) else 0
    warm_up()
    with psycopg2.connect(dbname=DB) as conn, conn.cursor() as cr:
        cr.execute("SELECT now() at time zone 'UTC'")
        started_at = cr.fetchone()[0]
    memory_start = workers()
    threads = [
        threading.Thread(target=target, name=name, daemon=True)
        for name, target in (
            ("viewer-1", viewer),
            ("viewer-2", viewer),
            ("payer-1", payer),
            ("payer-2", payer),
            ("portal payer", portal_payer),
            ("confirmer", confirmer),
            ("guesser", guesser),
            ("staff", staff),
            ("locks", sample_locks),
            ("reminders", reminders_clock),
        )
    ]

    def guarded(thread):
        target = thread._target

        def run():
            try:
                target()
            except Exception:
                stats.fail("clients run", f"{thread.name}: {traceback.format_exc()[-600:]}")

        thread._target = run

    for thread in threads:
        guarded(thread)
        thread.start()
    wall = time.monotonic()
    print(f"Soak: {SECONDS / 60:g} minutes of traffic on {BASE} ({DB})", flush=True)
    while time.monotonic() - wall < SECONDS:
        time.sleep(min(30, SECONDS - (time.monotonic() - wall)))
        total = sum(sum(c.values()) for c in stats.status.values())
        print(
            f"  {time.monotonic() - wall:5.0f}s {total} requests, {len(stats.payments)} payments, "
            f"{len(stats.failures)} failures, load {open('/proc/loadavg').read().split()[0]}",
            flush=True,
        )
    stop.set()
    for thread in threads:
        thread.join(180)
    elapsed = time.monotonic() - wall
    # The reminder job once more, and the last payments' post-processing.
    trigger_reminders()
    memory_end = workers()
    failures, figures = accounting_checks(started_at)
    sampled.set()
    time.sleep(1)
    errors, warnings, retried, idle = server_log_errors(log_offset)
    figures["serialization failures retried (logged by odoo.sql_db)"] = retried
    figures["wkhtmltopdf's idle connections timed out (logged by werkzeug)"] = idle
    pg_longest, pg_waits = pg_log_lock_waits(pg_offset)
    report(
        elapsed, memory_start, memory_end, failures, figures, errors, warnings, pg_longest, pg_waits
    )


def report(
    elapsed, memory_start, memory_end, failures, figures, errors, warnings, pg_longest, pg_waits
):
    checks = []
    print()
    print(f"Requests in {elapsed:.0f} s (client-side latency, ms)")
    print(f"{'route':44} {'n':>6} {'p50':>7} {'p95':>7} {'max':>7}  statuses")
    all_status = Counter()
    for route in sorted(stats.times):
        times = [t * 1000 for t in stats.times[route]]
        all_status.update(stats.status[route])
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(stats.status[route].items(), key=str))
        print(
            f"{route:44} {len(times):6} {statistics.median(times):7.0f} "
            f"{percentile(times, 0.95):7.0f} {max(times):7.0f}  {statuses}"
        )
    print(f"All requests by status: {dict(sorted(all_status.items(), key=str))}")
    server_5xx = sum(n for status, n in all_status.items() if str(status).startswith("5"))
    checks.append(("0 server errors (5xx answers)", server_5xx == 0, f"{server_5xx}"))
    checks.append(("0 tracebacks or ERROR records in the server log", not errors, f"{len(errors)}"))
    idle_refusals = [r for r in stats.refusals if not r[3]]
    expected = [r for r in stats.refusals if r[3]]
    checks.append(
        (
            "0 refused payments of idle invoices",
            not idle_refusals,
            f"{len(idle_refusals)} (double presses told to wait: {len(expected)})",
        )
    )
    checks.append(("every payment in the books once", not failures, f"{len(failures)} problems"))
    client_failures = [f for f in stats.failures]
    checks.append(
        ("clients saw what they expected", not client_failures, f"{len(client_failures)} problems")
    )
    stalled = [slow for slow in stats.slow if slow[0] > STALLED]
    checks.append(
        (
            f"0 requests stalled (over {STALLED:.0f} s)",
            not stalled,
            f"{len(stalled)}; over {SLOW:.0f} s: {len(stats.slow)}"
            + (
                f", the slowest {max(stats.slow)[0]:.0f} s "
                f"({max(stats.slow)[1]} at {max(stats.slow)[2]})"
                if stats.slow
                else ""
            ),
        )
    )
    print()
    kinds = Counter(payment["kind"] for payment in stats.payments)
    print(
        f"Payments notified done: {len(stats.payments)} ({dict(kinds)}); "
        f"transfers reported: {stats.confirmations}"
    )
    for what, n in sorted(stats.notes.items()):
        print(f"  {what}: {n}")
    for key, value in figures.items():
        print(f"  {key}: {dict(value) if isinstance(value, Counter) else value}")
    print()
    longest = max(lock_waits.values(), default=None)
    print(
        f"Lock waits sampled (pg_locks.waitstart, every 0.25 s): {len(lock_waits)}; longest "
        + (f"{longest[0] * 1000:.0f} ms ({longest[1]})" if longest else "none")
    )
    for seconds, what in sorted(lock_waits.values(), reverse=True)[1:4]:
        print(f"  then {seconds * 1000:.0f} ms ({what})")
    if pg_longest:
        print(
            f"PostgreSQL log_lock_waits (over deadlock_timeout): {pg_waits} waits, longest "
            f"{pg_longest[0]:.0f} ms ({pg_longest[1]})"
        )
    else:
        print("PostgreSQL log_lock_waits: no wait over deadlock_timeout logged")
    print()
    print("Worker memory (RSS, MiB): start -> end")
    for pid in sorted(set(memory_start) | set(memory_end)):
        kind = (memory_start.get(pid) or memory_end.get(pid))[0]
        start = f"{memory_start[pid][1]:.0f}" if pid in memory_start else "(new)"
        end = f"{memory_end[pid][1]:.0f}" if pid in memory_end else "(gone)"
        print(f"  {kind:12} {pid:>8}: {start} -> {end}")
    print(
        f"  total: {sum(m[1] for m in memory_start.values()):.0f} -> "
        f"{sum(m[1] for m in memory_end.values()):.0f}"
    )
    if warnings:
        print()
        print("Server log warnings:")
        for what, n in warnings.most_common(10):
            print(f"  {n} x {what}")
    print()
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    for route, invoice_ids, message, _expected in idle_refusals[:10]:
        print(f"  refused: {route} {invoice_ids}: {message}")
    for text in failures[:15]:
        print(f"  books: {text}")
    for check, text in client_failures[:15]:
        print(f"  {check}: {text}")
    firsts = Counter(
        re.sub(r"^\S+ \S+ \d+ |\(\d+\)|\d+(\.\d+)?s", "", text.split("\n")[0])[:150]
        for text in errors
    )
    for first, n in firsts.most_common(10):
        print(f"  server log: {n} x {first}")
    for text in errors[:2]:
        print("  server log:\n    " + text.replace("\n", "\n    "))
    summary = {
        "seconds": elapsed,
        "requests": {
            route: {
                "n": len(times),
                "p50_ms": statistics.median(times) * 1000,
                "p95_ms": percentile(times, 0.95) * 1000,
                "statuses": {str(k): v for k, v in stats.status[route].items()},
            }
            for route, times in stats.times.items()
        },
        "checks": [[name, ok, detail] for name, ok, detail in checks],
        "longest_lock_wait_ms": longest[0] * 1000 if longest else 0,
        "pg_longest_lock_wait_ms": pg_longest[0] if pg_longest else 0,
        "memory_start": memory_start,
        "memory_end": memory_end,
    }
    with open(os.environ["SOAK_SUMMARY"], "w") as handle:
        json.dump(summary, handle, indent=1, default=str)
    sys.exit(0 if all(ok for _name, ok, _detail in checks) else 1)


if __name__ == "__main__":
    main()
