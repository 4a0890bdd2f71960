// ua-parser-js 1.x ships no typings (2.x does, but is AGPL); this declares only what user-agent.ts calls.
declare module 'ua-parser-js' {
  export class UAParser {
    constructor(userAgent?: string);
    getBrowser(): { name?: string; version?: string; major?: string };
    getOS(): { name?: string; version?: string };
    getDevice(): { type?: string; vendor?: string; model?: string };
  }
}
