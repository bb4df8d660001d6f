# Run inside `odoo shell` by bench/run: peak Python memory allocated while
# serving each page (tracemalloc around one request through Odoo's WSGI
# application), ours against Odoo's own, after a warm-up request of each.
import json
import os
import tracemalloc

from werkzeug.test import Client

import odoo.http

env = env  # noqa: F821 (provided by odoo shell)
prepared = json.load(open(os.environ["BENCH_PREPARED"]))
WARM_UP = 2
LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}


def peak_kib(client, urls):
    """Peak KiB allocated while fetching ``urls`` one after the other (one page view)."""
    for _ in range(WARM_UP):
        for url in urls:
            client.get(url, environ_base=LOOPBACK)
    tracemalloc.start()
    try:
        for url in urls:
            response = client.get(url, environ_base=LOOPBACK)
            if response.status_code != 200:
                raise SystemExit(f"HTTP {response.status_code} for {url}")
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def client_for(customer=None):
    client = Client(odoo.http.root)
    if customer:
        client.post(
            "/web/session/authenticate",
            environ_base=LOOPBACK,
            json={
                "params": {
                    "db": env.cr.dbname,
                    "login": customer["login"],
                    "password": customer["password"],
                }
            },
        )
    return client


rows = []
anonymous = client_for()
for customer in prepared["customers"].values():
    n = customer["invoice_count"]
    odoo_invoice = (
        f"/my/invoices/{customer['invoice_id']}?access_token={customer['invoice_access_token']}"
    )
    rows.append(
        (
            f"Invoice page, HTML only ({n} invoices customer)",
            peak_kib(anonymous, [f"/pay/{customer['invoice_token']}"]),
            peak_kib(anonymous, [odoo_invoice]),
        )
    )
    rows.append(
        (
            f"Invoice page with its invoice ({n} invoices customer)",
            peak_kib(anonymous, [f"/pay/{customer['invoice_token']}"]),
            peak_kib(anonymous, [odoo_invoice, f"{odoo_invoice}&report_type=html"]),
        )
    )
    rows.append(
        (
            f"Customer portal vs /my/invoices ({n} invoices)",
            peak_kib(anonymous, [f"/pay/{customer['portal_token']}"]),
            peak_kib(client_for(customer), ["/my/invoices"]),
        )
    )

print()
print(f"{'peak memory per page view':58} {'ours KiB':>9} {'Odoo KiB':>9} {'ratio':>6}")
for label, ours, theirs in rows:
    print(f"{label:58} {ours:9.0f} {theirs:9.0f} {ours / theirs:6.2f}")
