// CloudFront Function, viewer request, runtime cloudfront-js-2.0 (docs/downloads.md "Ephemeral
// uploads"). ES5 syntax only (test/unit/cdn-viewer-request.test.ts checks it). The placeholder
// becomes "/<keyPrefix>ephemeral/" at synth (cdn/function-code.ts).
var EPHEMERAL_PREFIX = __EPHEMERAL_PREFIX__;

function answer(status, description, text) {
  return {
    statusCode: status,
    statusDescription: description,
    headers: { 'content-type': { value: 'text/plain; charset=utf-8' }, 'cache-control': { value: 'no-store' } },
    body: { encoding: 'text', data: text },
  };
}

// An ephemeral key is <keyPrefix>ephemeral/<expiry, Unix seconds>/<uuid>/<name> (lambda/core/keys.ts).
// The URI is decoded first: S3 decodes it too, so "%65phemeral" must not slip past the check.
// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls handler.
function handler(event) {
  var request = event.request;
  var path;
  try {
    path = decodeURIComponent(request.uri);
    // biome-ignore lint/correctness/noUnusedVariables: an optional catch binding is not ES5.
  } catch (e) {
    return answer(400, 'Bad Request', 'The path is not a valid percent-encoded URI.\n');
  }
  if (path.indexOf(EPHEMERAL_PREFIX) !== 0) return request;
  var rest = path.slice(EPHEMERAL_PREFIX.length);
  var slash = rest.indexOf('/');
  var expiry = slash < 0 ? rest : rest.slice(0, slash);
  // No key the service writes has another form, so no object could be served here.
  if (!/^[0-9]{1,12}$/.test(expiry)) return answer(404, 'Not Found', 'No such file.\n');
  var expiresAt = Number(expiry) * 1000;
  if (Date.now() < expiresAt) return request;
  // biome-ignore lint/style/useTemplate: template literals are not ES5.
  return answer(410, 'Gone', 'This ephemeral file expired at ' + new Date(expiresAt).toISOString() + '.\n');
}
