// The static server lives in scripts/ (plain Node, shared with `npm start`); re-exported here for specs.
export { serveStatic, type StaticMounts, type StaticServer } from '../scripts/static-server.mjs';
