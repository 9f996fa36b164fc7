/**
 * JSON request bodies: the media types accepted and the parser, shared by every mount that takes a body.
 */
import express from 'express';
import type { RequestHandler } from 'express';
import { AppError } from './errors';

/** The media types a JSON body may declare (`+json` covers `application/fhir+json` and other suffixes). */
const JSON_TYPES = ['application/json', 'application/fhir+json', '+json'];

/** POST bodies must be JSON (`application/json` or `application/fhir+json`): 415 otherwise. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (req.method === 'POST' && !req.is(JSON_TYPES)) throw new AppError('HTTP_UNSUPPORTED_MEDIA_TYPE');
  next();
};

/** Parses a JSON body of at most `limit` (e.g. `5mb`); parse failures reach the error handler as `HTTP_` codes. */
export function parseJsonBody(limit: string): RequestHandler {
  return express.json({ limit, type: JSON_TYPES });
}
