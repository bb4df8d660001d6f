// Prettier for XML (views, data, QWeb), JS, SCSS, JSON and YAML, in Odoo's own style: 4 spaces,
// 100 columns, `<field name="x"/>` with no space before `/>`. Whitespace inside XML is kept as
// written ("preserve"): QWeb renders it. The plugin comes from .ci/node_modules (see .ci/lint).
/** @type {import('prettier').Config} */
module.exports = {
    plugins: [require.resolve("./.ci/node_modules/@prettier/plugin-xml")],
    printWidth: 100,
    tabWidth: 4,
    trailingComma: "es5",
    xmlSelfClosingSpace: false,
    xmlWhitespaceSensitivity: "preserve",
    overrides: [
        {
            files: ["*.json", "*.yaml", "*.yml"],
            options: { tabWidth: 2 },
        },
    ],
};
