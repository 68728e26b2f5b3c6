// CloudFront Function, viewer response, runtime cloudfront-js-2.0 (docs/downloads.md).
// ES5 syntax only (test/unit/cdn-viewer-response.test.ts checks it). The placeholder below
// becomes the safeTypes list at synth (cdn/function-code.ts): a function has no environment.
var SAFE_TYPES = __SAFE_TYPES__;

// Stored from the uploader's unsigned PUT headers; S3 serves them back as given.
var UPLOADER_HEADERS = ['content-encoding', 'cache-control', 'expires', 'content-language'];

// The same match as allowedTypes (lambda/core/mime.ts): exact type or a "type/*" wildcard.
function isSafe(contentType) {
  var type = contentType.split(';')[0].trim().toLowerCase();
  var i;
  var safe;
  for (i = 0; i < SAFE_TYPES.length; i++) {
    safe = SAFE_TYPES[i];
    if (safe === type) return true;
    if (safe.slice(-2) === '/*' && type.indexOf(safe.slice(0, -1)) === 0) return true;
  }
  return false;
}

function percent(c) {
  // biome-ignore lint/style/useTemplate: template literals are not ES5.
  return '%' + c.charCodeAt(0).toString(16).toUpperCase();
}

// RFC 6266 filename* from the key's last segment, re-encoded to RFC 8187 attr-chars.
function filenameParameter(uri) {
  var name;
  try {
    name = decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));
    // biome-ignore lint/correctness/noUnusedVariables: an optional catch binding is not ES5.
  } catch (e) {
    return '';
  }
  // biome-ignore lint/style/useTemplate: template literals are not ES5.
  return name === '' ? '' : "; filename*=UTF-8''" + encodeURIComponent(name).replace(/['()*]/g, percent);
}

// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls handler.
function handler(event) {
  var response = event.response;
  var headers = response.headers;
  var method = event.request.method;
  var type = headers['content-type'];
  var i;
  for (i = 0; i < UPLOADER_HEADERS.length; i++) delete headers[UPLOADER_HEADERS[i]];
  if ((response.statusCode === 200 || response.statusCode === 206) && (method === 'GET' || method === 'HEAD')) {
    headers['content-disposition'] = {
      value: (type && isSafe(type.value) ? 'inline' : 'attachment') + filenameParameter(event.request.uri),
    };
  }
  return response;
}
