"""A tiny OpenID Connect provider for the tests: discovery, authorization code flow, RS256
ID tokens signed with joserfc (Authlib's JOSE library), JWKS and userinfo. It serves real
HTTP on a free loopback port; the person "signing in" at the provider is chosen by the test.
"""
from __future__ import annotations

import secrets
import threading
import time
import urllib.parse
from contextlib import contextmanager

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from tests.servers import free_port

CLIENT_ID, CLIENT_SECRET = "tu-sach", "bi-mat-cua-ung-dung-0123456789"


def provider_app(issuer: str) -> Flask:
    app = Flask("oidc-provider")
    key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
    app.config["PERSON"] = {}    # the claims of whoever signs in at the provider next
    codes: dict[str, dict] = {}

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify({
            "issuer": issuer, "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token", "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks", "response_types_supported": ["code"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        })

    @app.get("/jwks")
    def jwks():
        return jsonify({"keys": [key.as_dict(private=False)]})

    @app.get("/authorize")
    def authorize():
        args = request.args
        if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
            abort(400)
        code = secrets.token_urlsafe(16)
        codes[code] = {"nonce": args.get("nonce"), "redirect_uri": args["redirect_uri"],
                       "person": dict(app.config["PERSON"])}
        query = urllib.parse.urlencode({"code": code, "state": args.get("state", "")})
        return redirect(f"{args['redirect_uri']}?{query}")

    @app.post("/token")
    def token():
        auth = request.authorization
        client = (auth.username, auth.password) if auth else (request.form.get("client_id"),
                                                               request.form.get("client_secret"))
        if client != (CLIENT_ID, CLIENT_SECRET):
            return jsonify({"error": "invalid_client"}), 401
        grant = codes.pop(request.form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != request.form.get("redirect_uri"):
            return jsonify({"error": "invalid_grant"}), 400
        now = int(time.time())
        claims = {"iss": issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], **grant["person"]}
        # FORGED: signed with a key the provider never published, as an impostor would.
        signer = RSAKey.generate_key(2048) if app.config.get("FORGED") else key
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, signer)
        return jsonify({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                        "expires_in": 300, "id_token": id_token})

    @app.get("/userinfo")
    def userinfo():
        return jsonify(app.config["PERSON"])

    return app


@contextmanager
def running_provider():
    """Yields the provider's Flask app (set app.config["PERSON"]) and its issuer URL."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    app = provider_app(issuer)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, issuer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
