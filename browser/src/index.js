// Cachet's browser SDK: opens Cachet envelopes in the viewer's own browser.
export const SDK_VERSION = '0.1.0';
