// Cachet's browser SDK: opens Cachet envelopes in the viewer's own browser.
export const SDK_VERSION = '0.1.0';

export { Network } from './network.js';
export { BrowserIdentity } from './protocol/identity.js';
export { WalletIdentity } from './protocol/wallet.js';
export { openBlob, openPatch } from './open.js';
export { parseShareToken } from './protocol/shareToken.js';
export {
  AccessRefusedError,
  CachetError,
  KeyServersUnavailableError,
  NetworkDescriptorError,
  ProtocolError,
  ShareTokenError,
  StorageError,
  WalletError,
  WrongNetworkError,
} from './errors.js';
export { FormatError } from './codec.js';
