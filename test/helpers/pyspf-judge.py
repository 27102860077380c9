# pyspf (Debian's python3-spf) as the judge of SPF record syntax: for each record
# on stdin (a JSON list), "syntax" when pyspf gives a permerror before any lookup
# matters, else "ok". DNS is never asked: every question gets an empty answer, so
# nothing leaves the machine; permerrors that come from those empty answers (an
# include with no record, the void-lookup limit) are not syntax and count as "ok".
import json
import sys

import spf

spf.DNSLookup = lambda name, qtype, strict=True, timeout=None, level=0: []
LOOKUP_ERRORS = ('No valid SPF record', 'redirect domain has no SPF record', 'Void lookup limit', 'Too many DNS lookups')
verdicts = []
for record in json.load(sys.stdin):
    query = spf.query('192.0.2.1', 'postmaster@judged.example.net', 'judged.example.net')
    result, _code, explanation = query.check(spf=record)
    syntax = result == 'permerror' and not any(text in explanation for text in LOOKUP_ERRORS)
    verdicts.append({'record': record, 'verdict': 'syntax' if syntax else 'ok', 'pyspf': f'{result}: {explanation}'})
json.dump(verdicts, sys.stdout)
