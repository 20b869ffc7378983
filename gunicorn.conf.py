"""gunicorn's settings for this app, read from the working directory by every `gunicorn wsgi:app`
(bin/serve, deploy/tusach-web.service, the tests' servers); command-line flags add to them.

A search of 500 Vietnamese characters (the search box's limit) is up to 4,500 bytes once
percent-encoded, over gunicorn's default request line of 4,094, which it refuses with a bare
"Request Line is too large". 8,190 is gunicorn's maximum, and matches nginx's 8 KB buffer in
deploy/nginx.conf, which sends anything longer to the app's own "too long" page.
"""
limit_request_line = 8190
