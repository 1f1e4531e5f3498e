# Shared Python stand-in for the PM2 ecosystem corpus (same behaviour as report.js).
# A case's .py script runs this file with runpy.run_path(..., init_globals={'STANDIN_SCRIPT': __file__}).
import http.server
import json
import os
import re
import sys
import time

_script = os.path.abspath(globals().get('STANDIN_SCRIPT') or sys.argv[0])
_dir = os.environ.get('PBM_CORPUS_REPORTS')
if _dir:
    _name = re.sub(r'[^A-Za-z0-9._-]', '_', os.environ.get('name') or 'app')
    _inst = os.environ.get('NODE_APP_INSTANCE') or '0'
    _file = os.path.join(_dir, '%s-%s-%d.json' % (_name, _inst, os.getpid()))
    _report = {
        'pid': os.getpid(),
        'ppid': os.getppid(),
        'argv': [sys.executable, _script] + sys.argv[1:],
        'execArgv': [],
        'cwd': os.getcwd(),
        'env': dict(os.environ),
        'script': _script,
        'runtime': 'python',
        'startedAt': int(time.time() * 1000),
    }
    try:
        os.makedirs(_dir, exist_ok=True)
        with open(_file, 'w') as f:
            json.dump(_report, f, indent=2)
    except Exception as e:  # pragma: no cover
        sys.stderr.write('standin: cannot write report: %s\n' % e)

_port = os.environ.get('PORT')
if _port:
    class _H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'ok')

        def log_message(self, *a):
            pass
    try:
        _srv = http.server.HTTPServer(('127.0.0.1', int(_port)), _H)
    except OSError as e:
        sys.stderr.write('standin: listen on %s failed: %s\n' % (_port, e))
        sys.exit(1)
    print('standin: listening on 127.0.0.1:%s' % _port, flush=True)
    _srv.serve_forever()
else:
    print('standin: started', flush=True)
    while True:
        time.sleep(60)
