-- Prosody 0.12 for the end-to-end tests. The upper-case words between double underscores are filled in
-- per run (test/e2e/support/prosody.ts); everything stays on 127.0.0.1.
run_as_root = true
pidfile = "__RUN_DIR__/prosody.pid"
data_path = "__RUN_DIR__/data"
log = { info = "__RUN_DIR__/prosody.log" }
plugin_paths = { }
daemonize = false

interfaces = { "127.0.0.1" }
c2s_ports = { __C2S_PORT__ }
s2s_ports = { }
component_ports = { __COMPONENT_PORT__ }
component_interfaces = { "127.0.0.1" }
http_ports = { }
https_ports = { }

modules_enabled = { "roster", "saslauth", "disco", "ping", "posix" }
modules_disabled = { "s2s", "offline", "c2s_bidi" }

authentication = "internal_hashed"
storage = "internal"
-- Simple test clients log in with PLAIN over TCP; never do this outside a test.
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
certificates = "__RUN_DIR__/no-certs"

VirtualHost "localhost"

-- Users of this host are not served by the upload service (not in UPLOAD_DOMAINS): not-allowed.
VirtualHost "other.localhost"

Component "upload.localhost"
  component_secret = "__COMPONENT_SECRET__"

-- The same service signing for Ceph RGW instead of the strict local S3.
Component "rgw-upload.localhost"
  component_secret = "__COMPONENT_SECRET__"

-- Bridged to an endpoint that refuses connections, and with a wrong endpoint secret: the bridge answers
-- wait/service-unavailable by itself.
Component "unreachable.localhost"
  component_secret = "__COMPONENT_SECRET__"

Component "misconfigured.localhost"
  component_secret = "__COMPONENT_SECRET__"
