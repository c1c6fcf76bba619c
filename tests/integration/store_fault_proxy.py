#!/usr/bin/env python3
"""Fault-injecting HTTP proxy for the store's S3 integration tests.

Usage: store_fault_proxy.py LISTEN_PORT UPSTREAM_URL

Forwards every request to UPSTREAM_URL (moto_server) unchanged (Host header included, so
signatures still verify) unless a fault is queued. The test drives it through its own path:
  PUT /__fault?mode=M&count=N[&method=X]
                                queue N faults of mode M for the next N requests (only
                                requests with HTTP method X, when given)
  PUT /__fault?clear=1          drop queued faults
  GET /__stats                  {"requests": forwarded+faulted, "faults": injected}
Modes:
  503          answer 503 SlowDown (S3's throttling reply), do not forward
  500          answer 500 InternalError, do not forward
  409          answer 409 ConditionalRequestConflict, do not forward
  reset        close the connection with a TCP reset, do not forward
  stall        hold the connection silent for 5 s, then close it, do not forward
  reset-after  forward (the request takes effect upstream), then reset instead of answering
"""
import http.client
import http.server
import json
import socket
import struct
import sys
import threading
import time
import urllib.parse

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
       "proxy-authorization", "proxy-authenticate"}

ERRORS = {
    "503": (503, "SlowDown", "Please reduce your request rate."),
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "409": (409, "ConditionalRequestConflict", "A conflicting operation is in progress."),
}


class State:
    lock = threading.Lock()
    faults = []
    requests = 0
    injected = 0
    upstream = None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _reply(self, status, body, ctype="application/xml", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or []):
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset(self):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _control(self, body):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        with State.lock:
            if u.path == "/__stats":
                out = json.dumps({"requests": State.requests, "faults": State.injected})
                self._reply(200, out.encode(), "application/json")
                return
            if "clear" in q:
                State.faults = []
            else:
                method = q.get("method", [None])[0]
                State.faults.extend([(q["mode"][0], method)] * int(q.get("count", ["1"])[0]))
        self._reply(200, b"ok", "text/plain")

    def _forward(self, body):
        up = urllib.parse.urlsplit(State.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, self.path, body=body if body or self.command in
                     ("PUT", "POST") else None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp, data

    def _handle(self):
        body = self._body()
        if self.path.startswith("/__fault") or self.path.startswith("/__stats"):
            self._control(body)
            return
        with State.lock:
            State.requests += 1
            mode = None
            for i, (m, method) in enumerate(State.faults):
                if method is None or method == self.command:
                    mode = m
                    del State.faults[i]
                    break
            State.injected += 1 if mode else 0
        if mode in ERRORS:
            status, code, msg = ERRORS[mode]
            xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code>"
                   "<Message>%s</Message><RequestId>proxy</RequestId></Error>" % (code, msg))
            self._reply(status, xml.encode())
            return
        if mode == "reset":
            self._reset()
            return
        if mode == "stall":
            time.sleep(5)
            self.close_connection = True
            return
        resp, data = self._forward(body)
        if mode == "reset-after":
            self._reset()
            return
        self.send_response_only(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        length = resp.getheader("Content-Length")
        self.send_header("Content-Length", length if self.command == "HEAD" and length
                         else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


def main():
    port = int(sys.argv[1])
    State.upstream = sys.argv[2]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
