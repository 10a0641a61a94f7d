/** The HTTP floor: routers with zod/OpenAPI, RFC 9457 errors, health, metrics, API docs. */
export * from './app.js';
export * from './router.js';
export * from './schemas.js';
export * from './problem-response.js';
export * from './on-error.js';
export * from './health-routes.js';
export * from './serve.js';
export * from './body-guard.js';
