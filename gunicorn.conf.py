"""gunicorn's settings for this app, read from the working directory by every `gunicorn wsgi:app`
(bin/serve, deploy/tusach-web.service, the tests' servers); command-line flags add to them.

A search of 500 Vietnamese characters (the search box's limit) is up to 4,500 bytes once
percent-encoded, over gunicorn's default request line of 4,094, which it refuses with a bare
"Request Line is too large". 8,190 is gunicorn's maximum, and matches nginx's 8 KB buffer in
deploy/nginx.conf, which sends anything longer to the app's own "too long" page.
"""
limit_request_line = 8190

# How long an idle kept-alive connection stays open: longer than the proxy keeps its own idle
# connections to us (deploy/nginx.conf: `keepalive_timeout 60s` in the upstream), so that it is
# always the proxy that closes an idle connection. With gunicorn's default of 2 s, gunicorn
# closed connections nginx was just reusing: the request already sent on one was answered with
# a reset, and nginx, which never sends a POST twice, gave the member a 502 (seen as one sign-in
# in 40 at a meeting site under load; nginx's error log: "recv() failed (104: Connection reset
# by peer) while reading response header from upstream").
keepalive = 75
