// Imported first by the offline verifier, before anything loads cbor-x: a short-lived command decodes a few KB
// of CBOR, and finding and loading cbor-x's native decoder (detect-libc, node-gyp-build, the addon) costs it more
// than it saves. Same bytes either way; an explicit CBOR_NATIVE_ACCELERATION_DISABLED is left as it is.
process.env.CBOR_NATIVE_ACCELERATION_DISABLED ??= 'true';
