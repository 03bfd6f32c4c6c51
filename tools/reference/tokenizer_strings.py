"""The strings every tokenizer fixture is built from (issue 3: at least 300).

Kept in one list so the SmolLM2 (byte-level BPE) and the SentencePiece fixtures cover the same
text: English prose, code, numbers and dates, runs of spaces/tabs/newlines, CRLF, accents, CJK,
emoji, other scripts, control characters, every special token of SmolLM2 in context, and the
empty string.
"""

SMOLLM_SPECIAL_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<repo_name>", "<reponame>", "<file_sep>",
    "<filename>", "<gh_stars>", "<issue_start>", "<issue_comment>", "<issue_closed>",
    "<jupyter_start>", "<jupyter_text>", "<jupyter_code>", "<jupyter_output>", "<jupyter_script>",
    "<empty_output>",
]

PROSE = [
    "Hello world",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG.",
    "It was the best of times, it was the worst of times.",
    "I can't believe it's not butter!",
    "You're right; we'll see what they've done and I'm sure he'd agree.",
    "SHE'S HERE. WE'LL GO. THEY'VE LEFT. I'M OK. HE'D KNOW. DON'T.",
    "Rock'n'roll isn't dead, y'all'd've known that.",
    "'Tis the season; 'twas the night before.",
    "The dog's bone, the dogs' bones, and James's car.",
    "She said, \"Wait!\" and he replied: 'Why?'",
    "Curly quotes: \u201cdouble\u201d and \u2018single\u2019 \u2014 and it\u2019s fine.",
    "An em dash\u2014like this\u2014and an en dash: 1990\u20132000.",
    "Ellipsis... and a real one\u2026 too.",
    "Summarise the following document in three sentences.",
    "Answer the question using only the context below.",
    "Once upon a time, in a land far, far away, there lived a curious cat.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "The mitochondria is the powerhouse of the cell.",
    "In 1492, Columbus sailed the ocean blue.",
    "E = mc^2 is perhaps the most famous equation in physics.",
    "To be, or not to be: that is the question.",
    "Mr. and Mrs. Smith arrived at 5 p.m. on Tuesday.",
    "e.g. i.e. etc. vs. a.k.a. Ph.D. U.S.A.",
    "a",
    "A",
    "I",
    "the",
    " the",
    "  the",
    "The",
    "Hello",
    " Hello",
    "hello world hello world hello world",
    "supercalifragilisticexpialidocious",
    "Antidisestablishmentarianism and pneumonoultramicroscopicsilicovolcanoconiosis.",
    "camelCaseIdentifier and snake_case_identifier and SCREAMING_CASE.",
    "GPT-2, Llama-2, SmolLM2-135M-Instruct and Mistral-7B-v0.1.",
    "What's the KV cache budget for a 4,096-token prompt?",
    "Key-value caches grow linearly with the sequence length.",
    "#hashtag @mention $TICKER %percent &amp; *bold* _italic_ ~strike~",
    "Question: Who wrote Hamlet?\nAnswer: William Shakespeare.",
    "First line.\nSecond line.\nThird line.",
    "Paragraph one.\n\nParagraph two.\n\n\nParagraph three.",
    "Dear Sir or Madam,\n\nI am writing to inform you that your order has shipped.\n\nKind regards,\nThe Team",
    "List:\n- apples\n- bananas\n- cherries\n",
    "1. First\n2. Second\n3. Third",
    "| col A | col B |\n|-------|-------|\n| 1     | 2     |",
    "# Title\n\n## Subtitle\n\nSome *markdown* with `code` and [a link](https://example.com).",
    "> quoted text\n> more quoted text",
    "Visit https://www.example.com/path/to/page?query=1&lang=en#section for details.",
    "Email me at first.last+tag@example.co.uk or call.",
    "/usr/local/bin/python3 and C:\\Windows\\System32\\drivers",
    "The file is ~/Documents/report_final_v2 (copy).docx",
    "$\\int_0^1 x^2\\,dx = \\frac{1}{3}$",
    "\\begin{equation} a^2 + b^2 = c^2 \\end{equation}",
    "!!!???...,,,;;;:::",
    "((()))[[[]]]{{{}}}<<<>>>",
    "====================",
    "--------------------------------------------------------------------------------",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "abababababababababababababababab",
    "The end.",
]

CODE = [
    "def add(a, b):\n    return a + b\n",
    "def main():\n\tprint(\"tabs\")\n\tif True:\n\t\treturn 0\n",
    "for i in range(10):\n    if i % 2 == 0:\n        print(i)\n",
    "class Foo(Bar):\n    \"\"\"Docstring.\"\"\"\n\n    def __init__(self, x: int = 0) -> None:\n        self.x = x\n",
    "import numpy as np\nx = np.zeros((3, 4), dtype=np.float32)\n",
    "func greet(_ name: String) -> String {\n    return \"Hello, \\(name)!\"\n}\n",
    "let xs = [1, 2, 3].map { $0 * 2 }.filter { $0 > 2 }",
    "struct Point: Sendable { var x: Double; var y: Double }",
    "#include <stdio.h>\n\nint main(void) {\n    printf(\"%d\\n\", 42);\n    return 0;\n}\n",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }",
    "if (x != nullptr && x->next == NULL) { return -1; }",
    "const f = async (x) => { await fetch(`/api/${x}`); };",
    "console.log('hello'); // comment\n/* block\n   comment */",
    "{\"name\": \"easykv\", \"version\": \"0.1.0\", \"tags\": [\"kv\", \"cache\"], \"ok\": true, \"n\": null}",
    "<html>\n  <body>\n    <p class=\"x\">Hi &amp; bye</p>\n  </body>\n</html>",
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root attr='1'><child/></root>",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC LIMIT 10;",
    "#!/bin/bash\nset -euo pipefail\nfor f in *.txt; do echo \"$f\"; done\n",
    "$ swift build -c release --scratch-path .build-tok 2>&1 | tail -n 20",
    "git commit -m \"Fix off-by-one in stride plan\" && git push origin main",
    "x = y ** 2 // 3 % 4 << 1 >> 2 & 5 | 6 ^ 7",
    "a+=1;b-=2;c*=3;d/=4;e%=5;f&&=g;h||=i;",
    "    indented four\n        indented eight\n            twelve",
    "\tone tab\n\t\ttwo tabs\n\t\t\tthree tabs",
    "  \t  mixed \t indentation",
    "key: value\nlist:\n  - a\n  - b\nnested:\n  inner: 1\n",
    "[section]\nkey = \"value\"\nnumber = 42\n",
    "```python\nprint('fenced')\n```",
    "fn main() { let v: Vec<u8> = vec![0; 16]; println!(\"{:?}\", v); }",
    "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"go\")\n}\n",
    "    return self._cache[key]  # noqa: E501",
    "lambda x: x if x else None",
    "\"\"\"\nTriple quoted\n\"\"\"",
    "@property\ndef value(self):\n    return self._value\n",
    "matrix[i][j] = matrix[i - 1][j - 1] + 1",
    "0xFF 0b1010 0o777 1_000_000 3.0e-8f",
    "std::vector<std::pair<int, float>> v{{1, 2.0f}};",
    "%d %s %5.2f %-10s %%",
    "\\n \\t \\r \\\\ \\\" \\'",
]

NUMBERS = [
    "0", "7", "42", "123", "1234", "12345", "1234567890", "00000", "007",
    "3.14159", "-273.15", "+1", "1,000,000", "1.000.000,00", "1e-9", "6.022e23",
    "10%", "$1,299.99", "\u20ac42,50", "\u00a3100", "\u00a5500", "50\u00b0C", "98.6\u00b0F",
    "+44 20 7946 0958", "(555) 123-4567", "v1.2.3", "version 2.10.0-beta.1",
    "192.168.0.1:8080", "2^10 = 1024", "1/2 + 1/4 = 3/4",
    "\u00bd \u00bc \u00be", "x\u00b2 + y\u00b3", "\u2160 \u2161 \u2162 \u216b",
    "\u0661\u0662\u0663 and \u0967\u0968\u0969", "\uff11\uff12\uff13", "\u2460\u2461\u2462",
    "The answer is 42.", "There are 365 days in 2023 and 366 in 2024.",
    "Call 911 or 112.", "Room 101, floor 3, building 7B.",
    " 4", "  4", "\n4", "\n    4", "a4", "4a", "a 4 b", "12 34 56", "1 2 3 4 5 6 7 8 9 10",
    "3.14", ".5", "5.", "-0", "1-2-3",
    "pi is approximately 3.14159265358979323846",
]

DATES = [
    "2024-03-15", "15/03/2024", "03/15/2024", "15.03.2024", "March 15, 2024", "15 March 2024",
    "Friday, 15 March 2024", "12:34:56", "12:34 PM", "2024-03-15T12:34:56Z",
    "2024-03-15T12:34:56.789+05:30", "1999\u20132024", "Q1 2024", "the 1990s", "FY24/25",
    "Mon Tue Wed Thu Fri Sat Sun", "Jan. 1st, 2nd, 3rd, 4th",
]

WHITESPACE = [
    " ", "  ", "   ", "    ", "        ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r", "\r\n",
    "\r\n\r\n", " \n", "\n ", " \n ", "\t\n", "\n\t", " \t ", "  \t\t  ",
    "a b", "a  b", "a   b", "a    b", "a        b", "a\tb", "a\t\tb", "a \tb", "a\t b",
    "a\nb", "a\n\nb", "a \n b", "a\r\nb", "a\r\n\r\nb", "a\rb",
    "line one\r\nline two\r\nline three\r\n",
    "trailing space ", "trailing spaces   ", " leading space", "   leading spaces",
    "  both  ", "\tindented\ttext\t",
    "word  .", "word   ,", "x  =  1", "end.  Next", "a  \n  b",
    "a\u00a0b", "a\u00a0\u00a0b", "a\u3000b", "a\u2003b", "a\u2009b", "a\u200bb", "a\u202fb",
    "a\u2028b", "a\u2029b", "a\u0085b", "a\x0bb", "a\x0cb",
    "     \n     \n",
    "\n\n\n\n\n\n\n\n",
    "                                                                ",
]

ACCENTS = [
    "caf\u00e9", "na\u00efve r\u00e9sum\u00e9", "Cr\u00e8me br\u00fbl\u00e9e \u00e0 la fran\u00e7aise",
    "\u00c9cole \u00e9l\u00e9mentaire", "Stra\u00dfe und Gr\u00f6\u00dfe \u00fcber \u00c4rger",
    "ma\u00f1ana, se\u00f1or, \u00bfqu\u00e9 tal? \u00a1Ol\u00e9!", "S\u00e3o Paulo e Bras\u00edlia",
    "Ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u", "Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144",
    "\u0130stanbul \u0131\u015f\u0131k \u011f\u00fc\u00e7", "\u00c5ngstr\u00f6m \u00d8resund \u00c6sir",
    "e\u0301 (combining acute)", "n\u0303 and a\u0308 and o\u030a",
    "\u1e9e capital sharp s", "\u0152uvre \u0153uf", "fianc\u00e9e's na\u00efvet\u00e9",
    "\u0391\u03b8\u03ae\u03bd\u03b1 \u03ba\u03b1\u03b9 \u0398\u03b5\u03c3\u03c3\u03b1\u03bb\u03bf\u03bd\u03af\u03ba\u03b7",
    "\u041c\u043e\u0441\u043a\u0432\u0430 \u2014 \u0441\u0442\u043e\u043b\u0438\u0446\u0430 \u0420\u043e\u0441\u0441\u0438\u0438.",
    "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440!",
    "\u00e0\u00e1\u00e2\u00e3\u00e4\u00e5\u00e6\u00e7\u00e8\u00e9\u00ea\u00eb\u00ec\u00ed\u00ee\u00ef",
    "\u00c0\u00c1\u00c2\u00c3\u00c4\u00c5\u00c6\u00c7\u00c8\u00c9\u00ca\u00cb",
    "d\u00e9j\u00e0 vu", "pi\u00f1ata", "jalape\u00f1o", "\u00fcber-cool",
]

CJK_AND_SCRIPTS = [
    "\u4f60\u597d\uff0c\u4e16\u754c\uff01", "\u6211\u7231\u5317\u4eac\u5929\u5b89\u95e8\u3002",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002",
    "\u3053\u3093\u306b\u3061\u306f\u3001\u30ab\u30bf\u30ab\u30ca\u3068\u3072\u3089\u304c\u306a\u3002",
    "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8\uc785\ub2c8\ub2e4.", "\uc548\ub155\ud558\uc138\uc694",
    "\u6771\u4eac 2024\u5e743\u670815\u65e5", "\u300c\u5f15\u7528\u300d\u3068\u300e\u4e8c\u91cd\u300f",
    "\u6f22\u5b57 kanji \u304b\u306a kana", "\uff28\uff45\uff4c\uff4c\uff4f full width",
    "\u4e2d\u6587English\u6df7\u5408text", "\u9f8d\u9f98\u9f49",
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
    "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
    "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e0a\u0e32\u0e27\u0e42\u0e25\u0e01",
    "\u10d2\u10d0\u10db\u10d0\u10e0\u10ef\u10dd\u10d1\u10d0", "\u0532\u0561\u0580\u0587",
    "\u1200\u1208\u1218", "\U00020000\U0002a6d6 rare CJK extension B",
]

EMOJI = [
    "\U0001f600", "\U0001f600\U0001f600\U0001f600", "I love it \u2764\ufe0f!",
    "\U0001f44d\U0001f3fd thumbs up, medium skin", "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 family",
    "\U0001f1eb\U0001f1f7 \U0001f1ef\U0001f1f5 \U0001f1fa\U0001f1f8 flags", "1\ufe0f\u20e3 keycap",
    "\U0001f680 Launch! \U0001f31f\u2728", "smile:\U0001f604 cry:\U0001f622 think:\U0001f914",
    "\u2600\ufe0f\u2601\ufe0f\u2602\ufe0f", "\U0001f9d1\u200d\U0001f4bb coding",
    "emoji\U0001f525in\U0001f525between", "\u263a \u2639 \u2620 \u2622",
    "\U0001f3f3\ufe0f\u200d\U0001f308", "\U0001f595\U0001f3ff",
]

CONTROL_AND_ODD = [
    "\x00", "a\x00b", "\x07bell", "\x1b[31mred\x1b[0m", "\ufeffBOM at start",
    "\x7f delete", "\x01\x02\x03", "tab\x1fsep", "\u00ad soft hyphen", "\u2060word joiner\u2060",
    "\ufffd replacement", "\U0010fffd private use", "\ue000 BMP private use",
    "\u0301 leading combining mark", "\u200d\u200c joiners",
]

SPECIAL_IN_CONTEXT = (
    [f"before {t} after" for t in SMOLLM_SPECIAL_TOKENS]
    + [t for t in SMOLLM_SPECIAL_TOKENS[:4]]
    + [
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
        "<|im_start|>user\nWhat is 2+2?<|im_end|>",
        "<|im_start|><|im_end|>",
        "<|im_end|><|im_end|><|im_end|>",
        "text<|endoftext|>more text<|endoftext|>",
        " <|endoftext|> ",
        "\n<|im_start|>\n",
        "<|im_start",
        "<|im_start|",
        "im_start|>",
        "<|im_",
        "<<|im_end|>>",
        "<|IM_START|> is not special",
        "< |im_start| > spaced",
        "<filename>main.py<file_sep>print(1)<file_sep>",
        "<reponame>easykv<gh_stars>100",
        "<jupyter_start><jupyter_code>x = 1<jupyter_output>1<empty_output>",
        "<issue_start>Bug<issue_comment>Fixed<issue_closed>",
        "12<|im_end|>34",
        "caf\u00e9<|im_end|>\u4f60\u597d",
        "\U0001f600<|endoftext|>\U0001f600",
        "<s> and </s> look like Llama tokens",
        "[INST] <<SYS>> not special here <</SYS>> [/INST]",
    ]
)


def license_lines():
    """Prose paragraphs and lines from the license texts on this machine (real English)."""
    out = []
    for name, count in (("Apache-2.0", 14), ("GPL-3", 14), ("MPL-2.0", 8), ("BSD", 4)):
        try:
            text = open(f"/usr/share/common-licenses/{name}", encoding="utf-8").read()
        except OSError:
            continue
        paragraphs = [p for p in text.split("\n\n") if len(p.strip()) > 40]
        step = max(1, len(paragraphs) // count)
        out.extend(paragraphs[::step][:count])
    return out


def all_strings():
    seen = set()
    out = []
    groups = [
        ["", "x"], PROSE, CODE, NUMBERS, DATES, WHITESPACE, ACCENTS, CJK_AND_SCRIPTS, EMOJI,
        CONTROL_AND_ODD, SPECIAL_IN_CONTEXT, license_lines(),
    ]
    for group in groups:
        for s in group:
            if s not in seen:
                seen.add(s)
                out.append(s)
    return out


if __name__ == "__main__":
    strings = all_strings()
    print(len(strings))
