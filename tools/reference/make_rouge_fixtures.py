#!/usr/bin/env python3
"""ROUGE and Porter-stemmer goldens for Tests/EvaluationTests (issue 8).

Runs the PyPI `rouge-score` package (Google's reimplementation of ROUGE-1.5.5) on many string
pairs, with and without its Porter stemmer (nltk's PorterStemmer, NLTK_EXTENSIONS mode), and
writes two committed fixtures:

  Tests/EvaluationTests/Fixtures/rouge_scores.json   pairs -> rouge1/2/L/Lsum (p, r, f)
  Tests/EvaluationTests/Fixtures/porter_stems.json   word -> nltk stem

Setup (once):
  python3 -m venv tools/reference/.venv
  tools/reference/.venv/bin/pip install rouge-score==0.1.2 nltk
Run from the repository root:
  tools/reference/.venv/bin/python tools/reference/make_rouge_fixtures.py
"""
import json
import os
import random
import re

import nltk
from nltk.stem import porter
from rouge_score import rouge_scorer, tokenize

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "EvaluationTests", "Fixtures")
TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]

# Pairs a reader can check by eye, and the corner cases of the tokenizer and of rougeLsum.
HAND_PAIRS = [
    ("The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log."),
    ("the cat sat on the mat", "the cat sat on the mat"),
    ("the cat sat on the mat", ""),
    ("", "something"),
    ("", ""),
    ("!!! ... ???", "--- ,,,"),
    ("a b c d e", "e d c b a"),
    ("a a a a", "a"),
    ("a", "a a a a"),
    ("Running runners ran; the runner runs.", "The runners were running and ran."),
    ("Caresses, ponies, ties and cats.", "caress pony tie cat"),
    ("The pass key is 71432. Remember it.", "71432"),
    ("It's a dog's life: don't you think?", "its a dogs life dont you think"),
    ("Ünïcödé wörds — naïve café, résumé!", "unicode words naive cafe resume"),
    ("İstanbul KELVIN \u212a sign", "istanbul kelvin k sign"),
    ("ﬁne ligature ＡＢＣ fullwidth", "fine ligature abc fullwidth"),
    ("Straße GROSS ß", "strasse gross"),
    ("tab\tseparated\nnew\r\nlines\u00a0nbsp", "tab separated new lines nbsp"),
    ("first sentence here.\nsecond sentence there.\nthird one.", "second sentence there.\nfirst sentence here."),
    ("line one\n\nline two\n", "line two\nline one"),
    ("police killed the gunman\nthe gunman was shot", "the gunman kill police\npolice kill gunman"),
    ("w1 w2 w3 w4 w5\nw6 w7 w8", "w1 w2 w6 w7\nw3 w4 w5 w8"),
    ("x y x y x y\ny x y x", "x x x\ny y y\nx y"),
    ("generously generalization generation generating", "general generate generous"),
    ("happy happiness happily", "happi happi happili"),
    ("relational conditional rational", "relate condition ration"),
    ("9am 10pm 3.14 1,000,000", "9 am 10 pm 3 14 1 000 000"),
    ("COVID-19 vaccines, mRNA-1273 and BNT162b2", "covid 19 vaccine mrna 1273 bnt162b2"),
]

WORDS = (
    "the a an of to in and or is was were be been being have has had do does did it its this that these "
    "those he she they we you i me him her them us my your our their model models modeling modelled "
    "cache caches cached caching evict evicts evicted eviction evictions policy policies token tokens "
    "tokenized tokenization budget budgets budgeted attention attentions attend attending attended "
    "summary summaries summarize summarization summarizing generate generated generation generations "
    "generating general generally generous generously run runs running runner runners ran happy happily "
    "happiness relational conditional rational national nationality operate operator operation "
    "operational effective effectively effectiveness adjust adjustment adjustable dependent dependence "
    "depend depends agreed agree agreement feed fed hopping hopped hop hope hoped hopeful hopefulness "
    "fail failing failed file filing filed size sized sizes troubled trouble conflated conflate skies sky "
    "dying died dies lying tying news innings proceed exceed succeed succeeded 2024 42 7b 13b llama mistral "
    "smollm2 kv roco tova h2o 0 1 2 3 4 5 6 7 8 9 10 100 1000 fox dog cat mat log lazy quick brown"
).split()
PUNCT = [".", ",", ";", ":", "!", "?", "-", "'", "\"", "(", ")", " --", "...", "—", "é", "ß", "ü"]


def random_text(rng, n_words, lines):
    out = []
    for li in range(lines):
        ws = []
        for _ in range(max(1, n_words // lines)):
            w = rng.choice(WORDS)
            r = rng.random()
            if r < 0.15:
                w = w.capitalize()
            elif r < 0.2:
                w = w.upper()
            if rng.random() < 0.2:
                w += rng.choice(PUNCT)
            ws.append(w)
        out.append(" ".join(ws))
    return "\n".join(out)


def mutate(rng, text):
    """A prediction that shares a random part of the target's words, reordered a little."""
    words = text.replace("\n", " \n ").split(" ")
    out = []
    for w in words:
        r = rng.random()
        if r < 0.15:
            continue
        if r < 0.3:
            out.append(rng.choice(WORDS))
        else:
            out.append(w)
        if rng.random() < 0.08:
            out.append(rng.choice(WORDS))
    if len(out) > 3 and rng.random() < 0.5:
        i, j = sorted(rng.sample(range(len(out)), 2))
        out[i], out[j] = out[j], out[i]
    return " ".join(out).replace(" \n ", "\n")


def score_pairs(pairs, use_stemmer):
    scorer = rouge_scorer.RougeScorer(TYPES, use_stemmer=use_stemmer)
    tok = porter.PorterStemmer() if use_stemmer else None
    cases = []
    for target, prediction in pairs:
        s = scorer.score(target, prediction)
        cases.append({
            "target": target,
            "prediction": prediction,
            "use_stemmer": use_stemmer,
            "target_tokens": tokenize.tokenize(target, tok),
            "scores": {t: [s[t].precision, s[t].recall, s[t].fmeasure] for t in TYPES},
        })
    return cases


def stem_words():
    stemmer = porter.PorterStemmer()
    words = set(WORDS)
    # Porter's paper examples and nltk's irregular forms: every rule and extension fires.
    words.update((
        "caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated troubled sized "
        "hopping tanned falling hissing fizzed failing filing happy sky relational conditional rational "
        "valenci hesitanci digitizer conformabli radicalli differentli vileli analogousli vietnamization "
        "predication operator feudalism decisiveness hopefulness callousness formaliti sensitiviti "
        "sensibiliti triplicate formative formalize electriciti electrical hopeful goodness revival allowance "
        "inference airliner gyroscopic adjustable defensible irritant replacement adjustment dependent "
        "adoption homologou communism activate angulariti homologous effective bowdlerize probate rate cease "
        "controll roll dying lying tying skies news innings inning outings outing cannings canning howe "
        "proceed exceed succeed spied died flies dies enjoy spy fly try geology theology archaeology "
        "yyyy syzygy toy toys boyish obeying saying yearly yyes ayes eyes abli fulli logi alli bli ied ies "
        "agreed disagreed needed exceeded hoping filed filing failed hoped hopped tied ties lied fizz "
        "generalization generalizations conditionally traditionally irrationally "
        "oxen tree trees troubles private oaten orrery by y tr ee ivy oats"
    ).split())
    # And every word of the Debian license texts (plain English prose), when present.
    for name in ("GPL-3", "Apache-2.0", "GFDL-1.3", "MPL-2.0", "Artistic"):
        path = os.path.join("/usr/share/common-licenses", name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                words.update(tokenize.tokenize(f.read(), None))
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for _ in range(300):  # nonsense words exercise the y/consonant rules without a dictionary
        words.add("".join(rng.choice(letters + "aeiouyyy") for _ in range(rng.randint(3, 12))))
    return {w: stemmer.stem(w) for w in sorted(words)}


def write_lines(path, meta, key, items):
    """One JSON object, one item per line (readable diffs)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"meta": ' + json.dumps(meta) + ', "' + key + '": [\n')
        f.write(",\n".join(json.dumps(item, ensure_ascii=False) for item in items))
        f.write("\n]}\n")


def main():
    rng = random.Random(20240213)
    pairs = list(HAND_PAIRS)
    for _ in range(160):
        target = random_text(rng, rng.randint(1, 40), rng.choice([1, 1, 2, 3, 4]))
        pairs.append((target, mutate(rng, target)))
    for _ in range(30):  # unrelated pairs
        pairs.append((random_text(rng, rng.randint(1, 25), rng.randint(1, 3)),
                      random_text(rng, rng.randint(1, 25), rng.randint(1, 3))))
    cases = score_pairs(pairs, False) + score_pairs(pairs, True)
    os.makedirs(OUT, exist_ok=True)
    meta = {"generator": "tools/reference/make_rouge_fixtures.py",
            "rouge_score": "0.1.2", "nltk": nltk.__version__}
    write_lines(os.path.join(OUT, "rouge_scores.json"), meta, "cases", cases)
    stems = stem_words()
    write_lines(os.path.join(OUT, "porter_stems.json"), meta, "stems", [[w, s] for w, s in stems.items()])
    print(f"{len(cases)} ROUGE cases, {len(stems)} stems")


if __name__ == "__main__":
    main()
