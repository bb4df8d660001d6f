/** @odoo-module **/

/**
 * A phone's share sheet in the tour's desktop browser: ``navigator.share`` (the
 * Web Share API) stubbed in the page, recording what Share… hands it, as a
 * user would see it in Telegram or Mail.
 */
export function stubShareSheetStep(trigger) {
    return {
        content: "This browser has a share sheet (stubbed: it records what it is handed)",
        trigger,
        run() {
            window.islebooksShared = [];
            Object.defineProperty(navigator, "share", {
                configurable: true,
                value: async (data) => window.islebooksShared.push(data),
            });
            Object.defineProperty(navigator, "canShare", {
                configurable: true,
                value: () => true,
            });
        },
    };
}

/** Share…, then the note that says so; ``check(data)`` reads what was shared. */
export function shareSteps(trigger, check) {
    return [
        {
            content: "Share…",
            trigger,
            run: "click",
        },
        {
            content: "The share sheet got the link, and the share is noted in the chatter",
            trigger: ".o_notification:contains(Shared, and noted in the chatter.)",
            run() {
                const shared = window.islebooksShared;
                if (shared.length !== 1) {
                    throw new Error(`Expected one share, got ${JSON.stringify(shared)}`);
                }
                check(shared[0]);
            },
        },
    ];
}
