/** The configuration floor: settings, validation and their documentation. */
export * from './setting.js';
export * from './load.js';
export * from './docs.js';
export { settings } from './settings/index.js';
