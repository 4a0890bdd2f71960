import type { FastifyInstance } from 'fastify';

/**
 * sendBeacon bodies arrive as text/plain; Beacon parses them as JSON, and so must the baseline
 * servers, so that every server of a run does the same parsing work on the same bytes.
 */
export function parseTextPlainAsJson(app: FastifyInstance) {
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
