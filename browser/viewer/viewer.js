import { SDK_VERSION } from '../src/index.js';
document.documentElement.dataset.sdk = SDK_VERSION;
