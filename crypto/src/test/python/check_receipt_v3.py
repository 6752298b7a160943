# Independent check of crypto/src/test/resources/kat/receipt-v3.json from docs/FORMAT.md section 2, with
# hashlib BLAKE2b-256 and pyca/cryptography Ed25519 (not from the Java code). Usage: python3 check_receipt_v3.py FILE
import base64, hashlib, json, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives import serialization
k = json.load(open(sys.argv[1]))
h = bytes.fromhex
def x(s): return h(s[2:] if s.startswith('0x') else s)
def b2(b): return hashlib.blake2b(b, digest_size=32).digest()
def s8(b): assert len(b) < 256; return bytes([len(b)]) + b
def u64(n): return struct.pack('>Q', n)
def b64(s): return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))
ok = True
def eq(name, a, b):
    global ok
    print(('OK  ' if a == b else 'BAD ') + name); ok &= a == b
# an item signs string8 context info, [32] key fingerprint, string8 sealed share
for i, it in enumerate(k['items']):
    sb = s8(h(it['contextInfo'])) + h(it['keyFingerprint']) + s8(h(it['sealedShare']))
    eq(f'item {i} signedBytes', sb.hex(), it['signedBytes'])
    eq(f'item {i} digest', b2(sb), x(it['digest']))
eq('requestDigest', b2(h(k['requestSignedBytes'])), x(k['requestDigest']))
eq('sealedSharesDigest', b2(h(k['sealedShares'])), x(k['sealedSharesDigest']))
r = k['receipt']
addr = h(r['requester'][2:].lower()); addr = bytes(32 - len(addr)) + addr
sb = s8(b'cachet/receipt/v3') + s8(r['keyServerId'].encode()) + s8(r['requestId'].encode()) + b64(r['requestDigest']) \
    + addr + u64(r['decidedAtMillis']) + b64(r['sealedSharesDigest']) + bytes([len(r['entries'])])
for e in r['entries']:
    sb += bytes([e['item'], 1 if e['decision'] == 'released' else 2]) + s8((e['reason'] or '').encode()) \
        + b64(e['itemDigest']) + s8(e['ledgerId'].encode()) + x(e['policyId']) + x(e['objectId']) \
        + bytes([e['shareIndex']]) + u64(e['ledgerHeight']) + u64(e['ledgerTimeMillis']) + s8(b64(e['decisionBlockHash']))
eq('receipt document requestDigest == requestDigest', b64(r['requestDigest']), x(k['requestDigest']))
eq('receipt signedBytes', sb.hex(), k['signedBytes'])
sk = Ed25519PrivateKey.from_private_bytes(x(k['serverSeed']))
pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
eq('serverPublicKey', pk, x(k['serverPublicKey']))
sig = sk.sign(sb)
eq('signature', sig, x(k['signature']))
eq('document signature', b64(r['signature']), sig)
Ed25519PublicKey.from_public_bytes(pk).verify(sig, sb); print('OK  verifies')
sys.exit(0 if ok else 1)
