/**
 * `POST /introspect` (shaped after RFC 7662, OAuth 2.0 Token Introspection): an RPC gateway in front of
 * the nodes sends a binding token (`token=...` form-encoded, or JSON `{"token": ...}`) and learns whether
 * it is live and which scopes it grants. Unknown, revoked and malformed tokens all answer
 * `{"active": false}`, so the endpoint tells nothing about tokens it did not issue. Behind Basic auth
 * (RFC 7662 requires the caller to authenticate) with the introspection credentials
 * (OVSB_INTROSPECT_USERNAME / OVSB_INTROSPECT_PASSWORD), which open nothing else, so a gateway never holds
 * credentials that can provision or deprovision; the broker credentials work too. Bodies are never logged.
 */
import express, { Router } from 'express';
import { badRequest } from '../../src/errors';
import type { BindingService } from '../../src/service/bindings';

export const INTROSPECT_CREDENTIALS_HINT =
  'the user name or password is wrong: use the introspection credentials (OVSB_INTROSPECT_USERNAME / OVSB_INTROSPECT_PASSWORD, or the generated introspect-password in the data dir) or the broker credentials';

/** A token is ~50 characters; nothing larger is a token request. */
const MAX_BODY = '4kb';

export function introspectRouter(bindings: BindingService): Router {
  const router = Router();
  router.post(
    '/',
    express.urlencoded({ extended: false, limit: MAX_BODY }),
    express.json({ limit: MAX_BODY }),
    async (req, res) => {
      const token: unknown = (req.body as Record<string, unknown> | undefined)?.['token'];
      if (typeof token !== 'string' || token === '') {
        throw badRequest('token is required: send token=<binding token> (application/x-www-form-urlencoded) or {"token": "..."}');
      }
      const result = await bindings.introspect(token);
      res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache');
      if (!result.active) {
        res.status(200).json({ active: false });
        return;
      }
      res.status(200).json({
        active: true,
        scope: result.scope,
        token_type: 'bearer',
        iat: Math.floor(result.issuedAt.getTime() / 1000),
        sub: result.bindingId,
        aud: result.instanceId,
        instance_id: result.instanceId,
        binding_id: result.bindingId,
        service_id: result.serviceId,
        plan_id: result.planId,
      });
    },
  );
  return router;
}
