// @types/node is installed under the alias `e2e-node-types` (so the Workers projects never see it); this
// makes `types: ["node"]`, and the `/// <reference types="node" />` inside undici-types, find it.
/// <reference types="e2e-node-types" />
