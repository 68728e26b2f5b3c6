-- Prosody 0.12 for the benchmarks (bench/prosody.ts fills in {{RUN_DIR}}, {{C2S_PORT}}, {{COMPONENT_PORT}},
-- {{HTTP_PORT}}, {{COMPONENT_SECRET}}). Two upload services on one server, one client: our component bridge
-- (upload.localhost, noquota.localhost) and Prosody's own mod_http_file_share (share.localhost).
-- Everything listens on 127.0.0.1 only.
run_as_root = true
pidfile = "{{RUN_DIR}}/prosody.pid"
data_path = "{{RUN_DIR}}/data"
log = { warn = "{{RUN_DIR}}/prosody.log" }
plugin_paths = { }
daemonize = false

interfaces = { "127.0.0.1" }
c2s_ports = { {{C2S_PORT}} }
s2s_ports = { }
component_ports = { {{COMPONENT_PORT}} }
component_interfaces = { "127.0.0.1" }
http_ports = { {{HTTP_PORT}} }
http_interfaces = { "127.0.0.1" }
https_ports = { }
-- http_max_content_size stays at its default (10 MiB) on purpose: Prosody 0.12 streams a body larger than it
-- straight into mod_http_file_share's file (body_sink), but buffers a smaller one in memory, which for 50 MiB
-- ran at ~1 MiB/s here. Raising it would slow the built-in down, not let the upload through.
-- Uploads arrive with Host 127.0.0.1:<port>; Prosody routes HTTP by host, so send them to the file share.
http_default_host = "share.localhost"

modules_enabled = { "roster", "saslauth", "disco", "ping", "posix" }
modules_disabled = { "s2s", "offline", "c2s_bidi" }

authentication = "internal_hashed"
storage = "internal"
-- Benchmark clients log in with PLAIN over TCP on loopback; never do this outside a test.
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
certificates = "{{RUN_DIR}}/no-certs"

VirtualHost "localhost"

Component "upload.localhost"
  component_secret = "{{COMPONENT_SECRET}}"

Component "noquota.localhost"
  component_secret = "{{COMPONENT_SECRET}}"

Component "share.localhost" "http_file_share"
  http_external_url = "http://127.0.0.1:{{HTTP_PORT}}/"
  http_file_share_size_limit = 64 * 1024 * 1024
  http_file_share_daily_quota = 10 * 1024 * 1024 * 1024
