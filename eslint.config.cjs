// eslint for the addon's JS (Odoo 18 ES modules), with the rules Odoo's own tooling
// (addons/web/tooling) enforces on top of eslint's recommended set. Formatting is prettier's.
const js = require("./.ci/node_modules/@eslint/js");
const globals = require("./.ci/node_modules/globals");

module.exports = [
    {
        ignores: ["**/static/lib/**", ".ci/**"],
    },
    js.configs.recommended,
    {
        files: ["**/static/**/*.js"],
        languageOptions: {
            ecmaVersion: 2022,
            sourceType: "module",
            globals: {
                ...globals.browser,
                odoo: "readonly",
                luxon: "readonly",
            },
        },
        rules: {
            curly: ["error", "all"],
            eqeqeq: ["error", "smart"],
            "no-duplicate-imports": "error",
            "no-restricted-globals": ["error", "event", "self"],
            "no-unused-vars": ["error", { vars: "all", args: "none", caughtErrors: "all" }],
            "prefer-const": ["error", { destructuring: "all", ignoreReadBeforeAssign: true }],
        },
    },
    {
        // Shipped code does not log; tours may, their console is the test's log.
        files: ["**/static/src/**/*.js"],
        rules: {
            "no-console": "error",
        },
    },
];
