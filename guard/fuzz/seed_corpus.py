#!/usr/bin/env python3
"""Seed corpus and dictionary for the guard's fuzz targets, from the repository's own SQL:
gold SQL of every set, the adversarial corpus, and the schema's table and column names.

    python3 guard/fuzz/seed_corpus.py /tmp/fuzz-corpus guard/fuzz/guard.dict
"""
import hashlib, json, pathlib, re, sys

root = pathlib.Path(__file__).resolve().parents[2]
out = pathlib.Path(sys.argv[1])
dict_path = pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)

sqls = set()
for path in list((root / "datasets").rglob("*.jsonl")) + [root / "tests/data/guard_adversarial.jsonl"]:
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue
        for key in ("sql", "gold_sql"):
            if isinstance(item.get(key), str) and len(item[key]) < 4000:
                sqls.add(item[key])
for s in sqls:
    name = hashlib.sha1(s.encode()).hexdigest()
    (out / name).write_text(s, encoding="utf-8")

words = set()
schema = (root / "schemas/finglm.toml").read_text(encoding="utf-8")
words.update(re.findall(r'^name = "([^"]+)"', schema, re.M))
validate = (root / "guard/src/validate.rs").read_text(encoding="utf-8")
block = validate[validate.index("ALLOWED_FUNCTIONS"):]
block = block[: block.index("];")]
words.update(re.findall(r'"([a-z_0-9]+)"', block))
words.update("""SELECT FROM WHERE AND OR NOT IN LIKE GLOB BETWEEN IS NULL GROUP BY ORDER HAVING LIMIT OFFSET
UNION ALL INTERSECT EXCEPT WITH RECURSIVE AS DISTINCT CASE WHEN THEN ELSE END JOIN LEFT ON USING CAST
ASC DESC OVER PARTITION ROWS VALUES EXISTS ESCAPE COLLATE PRAGMA ATTACH DELETE INSERT UPDATE DROP
CREATE VACUUM INTO REPLACE sqlite_master -> ->> || ( ) , ; ' " * = <> >= <=""".split())
words.update(["'2019年'", "'2020年'", "'2021年'", "%", "x'00'", "zeroblob", "randomblob", "printf"])
def dict_entry(word):
    # libFuzzer's dictionary takes printable ASCII and \xNN escapes only.
    out = []
    for b in word.encode("utf-8"):
        c = chr(b)
        out.append(c if 32 <= b < 127 and c not in '"\\' else f"\\x{b:02x}")
    return '"' + "".join(out) + '"'

with dict_path.open("w", encoding="ascii") as f:
    for w in sorted(words):
        f.write(dict_entry(w) + "\n")
print(f"{len(sqls)} seeds in {out}, {len(words)} dictionary words in {dict_path}")
