export * from './connect.js';
export * from './errors.js';
export type * from './ports.js';
export * from './stored-secret.js';
