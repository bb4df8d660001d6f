import re

from odoo import models
from odoo.tools.js_transpiler import (
    ODOO_MODULE_RE,
    is_odoo_module,
    relative_path_to_module_path,
    url_to_module_path,
)

# The customer pages' scripts: Odoo's frontend scripts (``web.assets_frontend``,
# where every payment provider registers its form), narrowed to the JavaScript
# modules the payment form, the providers' forms and the pages' own widgets
# import, with the services and error handlers Odoo's public root starts. The
# website builder's, the shop's, the editor's and the chat's scripts stay out:
# a customer who opens a link on a phone downloads what the page runs.
PAY_SCRIPTS = "islebooks_payment_links.assets_pay_js"
# The same with Odoo's tour service, for the browser tests (which then run the
# pages' own bundle, not Odoo's full one).
PAY_SCRIPTS_TESTS = "islebooks_payment_links.assets_pay_js_tests"

# The addons whose every frontend module is wanted: the payment form and its
# invoice side, and this addon's widgets. A module of another addon is wanted
# when it imports one of theirs (a provider's form extends Odoo's).
ROOT_ADDONS = ("payment", "account_payment", "islebooks_payment_links")
TEST_ROOT_ADDONS = ("web_tour",)
# What Odoo's public root starts without importing it: the services, error
# handlers and main components (a dialog, a notification, the UI blocker) web
# registers, but those no payment page uses, which would bring a third of web's
# code: a date picker, drag and drop, uploads, the fields' and records' names, a
# pager; the backend's command palette, the tab title, the rainbow man, the
# install prompt of a web app, Owl's data-tooltip attributes (the payment form's
# tooltips are Bootstrap's) and the style sheets' compile errors (shown to
# developers). One that a kept service needs started comes back (_pay_scripts).
STARTED_BY_REGISTRY = re.compile(
    r"""category\(\s*["'](?:services|error_handlers|main_components)["']\s*\)"""
)
ADDED = re.compile(r"""\.add\(\s*["'](?P<name>\w+)["']""")
# The services a service needs started first ({dependencies: ["overlay"]}).
SERVICE_DEPENDENCIES = re.compile(r"""dependencies\s*:\s*\[(?P<names>[^\]]*)\]""")
NAME = re.compile(r"""["'](\w+)["']""")
LEFT_OUT = {
    "datetime_picker",
    "sortable",
    "file_upload",
    "field",
    "name",
    "PagerIndicator",
    "command",
    "default",
    "title",
    "effect",
    "rainbow_man",
    "pwa",
    "tooltip",
    "scss_error_display",
}
# Bootstrap's plugins no payment form uses: the forms use its tooltips and
# popovers, collapses, modals, alerts and buttons (and their helpers).
LIBRARIES_LEFT_OUT = {
    f"web/static/lib/bootstrap/js/dist/{name}.js"
    for name in ("carousel", "dropdown", "offcanvas", "scrollspy", "tab", "toast", "util/swipe")
}

# What a module imports (import/export ... from "x", import "x"), read from its
# source as Odoo's transpiler reads it, without transpiling it.
IMPORTS = re.compile(
    r"""(?:^|[;\s])(?:import|export)\s+(?:[\w$*{}\s,]*?\sfrom\s*)?["'](?P<path>[^"']+)["']""",
    re.MULTILINE,
)


def _addon(path):
    return path.split("/")[1]


def _folder(path):
    return path.rsplit("/", 1)[0]


class IrAsset(models.Model):
    _inherit = "ir.asset"

    def _get_asset_paths(self, bundle, assets_params):
        paths = super()._get_asset_paths(bundle, assets_params)
        if bundle in (PAY_SCRIPTS, PAY_SCRIPTS_TESTS):
            roots = ROOT_ADDONS + (TEST_ROOT_ADDONS if bundle == PAY_SCRIPTS_TESTS else ())
            paths = _pay_scripts(paths, roots)
        return paths


def _read(full_path):
    try:
        with open(full_path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, TypeError, UnicodeDecodeError):
        return None


def _pay_scripts(paths, root_addons):
    """The scripts and templates of ``paths`` the pages run: the closure of the
    imports of the root modules (see ROOT_ADDONS, STARTED_BY_REGISTRY), the
    plain libraries (jQuery, Owl, Luxon, Bootstrap) of the addons kept, the
    Owl templates beside a kept module. A service left out (LEFT_OUT) comes back
    when a service kept depends on it (Odoo's tour service on the effects, in the
    tests' bundle). Styles go to the pages' own bundle."""
    modules = {}  # path -> (names it defines, names it imports, services it needs)
    registered = {}  # a service's (or handler's, component's) name -> its module
    roots = set()
    for path, full_path, *_rest in paths:
        if not path.endswith(".js"):
            continue
        content = _read(full_path)
        if content is None or not is_odoo_module(path, content):
            continue
        names = {url_to_module_path(path)}
        header = ODOO_MODULE_RE.match(content)
        if header and header["alias"]:
            names.add(header["alias"])
        deps = {
            relative_path_to_module_path(path, dep) if dep.startswith(".") else dep
            for dep in (match["path"] for match in IMPORTS.finditer(content))
        }
        needs = {
            name
            for match in SERVICE_DEPENDENCIES.finditer(content)
            for name in NAME.findall(match["names"])
        }
        modules[path] = (names, deps, needs)
        added = set()
        if _addon(path) == "web" and STARTED_BY_REGISTRY.search(content):
            added = {match["name"] for match in ADDED.finditer(content)}
            registered.update(dict.fromkeys(added, path))
        if _addon(path) in root_addons or not added <= LEFT_OUT:
            roots.add(path)
    providers = {name: path for path, (names, *_rest) in modules.items() for name in names}
    for path, (_names, deps, _needs) in modules.items():
        if any(_addon(providers.get(dep, "/?/")) in ROOT_ADDONS[:2] for dep in deps):
            roots.add(path)  # a provider's form, extending Odoo's
    kept, todo = set(), list(roots)
    while todo:
        path = todo.pop()
        if path in kept:
            continue
        kept.add(path)
        _names, deps, needs = modules[path]
        todo.extend(providers[dep] for dep in deps if dep in providers)
        todo.extend(registered[name] for name in needs if name in registered)
    addons = {_addon(path) for path in kept}
    folders = {_folder(path) for path in kept}
    result = []
    for entry in paths:
        path = entry[0]
        if path.endswith(".js"):
            keep = (
                path in kept
                if path in modules
                else _addon(path) in addons and path.lstrip("/") not in LIBRARIES_LEFT_OUT
            )
        elif path.endswith(".xml"):
            keep = _folder(path) in folders or (_addon(path) != "web" and _addon(path) in addons)
        else:
            keep = False
        if keep:
            result.append(entry)
    return result
