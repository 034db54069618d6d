"""The cells of each seed homework's notebook: ("md", text), ("code", starter, solution),
("answer", label, solution text), ("tagged", tag, starter, solution). Used by build.py."""

# ruff: noqa: E501 - notebook text

INTRO = """
# {title}

This notebook is graded automatically where a machine can check the answer, and by hand where a
person must read it.

* Implement each function **with exactly the name and signature given**. The grader calls your
  functions on *hidden* inputs it chooses when it grades; the examples below are only for you to
  try, and are not the grading cases.
* Write the theory answers in the markdown cells marked **Your answer**.
* The notebook must run from top to bottom without errors. Datasets are read from the folder
  named by the environment variable `GRADER_DATA`; nothing can be downloaded while grading.
"""

RECURRENCE = [
    ("md", """
## {number}. Recurrences using RNNs ({points} points)

Consider the recurrent network in Figure 1 of the handout. All inputs are integers, hidden states
are scalars, all biases are zero, and the weights are on the edges: **input → hidden = 1,
hidden → hidden = −1, hidden → output = 1000**. The hidden unit is linear, the output unit is a
sigmoid (binary classification), and $h_0 = 0$. {length}

* `rnn_forward(x)` returns the output unit at the final time step for the integer sequence `x`.
* `rnn_property(x)` states *the property the output computes* as a predicate: 1.0 if it holds,
  0.0 if the opposite holds, 0.5 on a tie. It is checked against the network itself.
"""),
    ("code", '''
def rnn_forward(x: list[int]) -> float:
    """Output of the network at the final step for the integer sequence x."""
    # TODO: your code here
    return None


def rnn_property(x: list[int]) -> float:
    """1.0 if the property holds, 0.0 if the opposite holds, 0.5 on a tie (even-length x)."""
    # TODO: your code here
    return None
''', '''
import math


def rnn_forward(x: list[int]) -> float:
    """Output of the network at the final step for the integer sequence x."""
    h = 0
    for x_t in x:
        h = x_t - h
    z = 1000.0 * h
    if z >= 0:  # a stable sigmoid: math.exp(1000) overflows
        return 1.0 / (1.0 + math.exp(-z))
    return math.exp(z) / (1.0 + math.exp(z))


def rnn_property(x: list[int]) -> float:
    """1.0 if the sum at even positions (1-indexed) exceeds the sum at odd positions, 0.0 if
    smaller, 0.5 on a tie."""
    even, odd = sum(x[1::2]), sum(x[0::2])
    return 1.0 if even > odd else 0.0 if even < odd else 0.5
'''),
    ("code", '''
# Try it (these are not the grading cases)
for x in ([4, 1, 0, 2], [1, 1, 2, 2], [-2, 3], list(range(10))):
    print(x, rnn_forward(x), rnn_property(x))
'''),
    ("answer", "{number}", """
Unrolling, $h_t = x_t - h_{{t-1}}$, so $h_T = x_T - x_{{T-1}} + x_{{T-2}} - \\dots$. For even $T$ this
is (sum at even positions) − (sum at odd positions). Inputs are integers, so a non-zero $h_T$ is at
least 1 in size and $\\sigma(1000 h_T)$ saturates: the output is 1 when the even-position sum is
larger, 0 when it is smaller, and exactly 0.5 on a tie.
"""),
]


ATTENTION_COUNTS = [
    ("md", """
## 1. Pay attention (3 points)

Standard self-attention over $n$ tokens computes $n^2$ query-key dot products. Count the dot
products of cheaper variants, and draw each grid: `attention_mask_*(n, ...)` returns a boolean
`numpy` array of shape `(n, n)` whose `[i, j]` is True where query `i` scores key `j`.

* **a.** Autoregressive: every token attends to its own position and all previous positions.
* **b.** Strided: every token attends to *at most* `t` positions prior to it, plus itself.
* **c.** Windowed: the tokens are split into windows of size `w` (`w` divides `n`); every token
  attends to the positions within its window and prior to it, plus itself.
"""),
    ("code", '''
import numpy as np


def count_dot_products_causal(n: int) -> int:
    # TODO
    return None


def attention_mask_causal(n: int) -> np.ndarray:
    # TODO
    return None


def count_dot_products_strided(n: int, t: int) -> int:
    # TODO
    return None


def attention_mask_strided(n: int, t: int) -> np.ndarray:
    # TODO
    return None


def count_dot_products_windowed(n: int, w: int) -> int:
    # TODO
    return None


def attention_mask_windowed(n: int, w: int) -> np.ndarray:
    # TODO
    return None
''', '''
import numpy as np


def count_dot_products_causal(n: int) -> int:
    return n * (n + 1) // 2


def attention_mask_causal(n: int) -> np.ndarray:
    return np.tril(np.ones((n, n), dtype=bool))


def count_dot_products_strided(n: int, t: int) -> int:
    t = min(t, n - 1)  # more than n - 1 previous positions do not exist
    return (t + 1) * n - t * (t + 1) // 2


def attention_mask_strided(n: int, t: int) -> np.ndarray:
    i, j = np.indices((n, n))
    return (j <= i) & (i - j <= t)


def count_dot_products_windowed(n: int, w: int) -> int:
    return n * (w + 1) // 2


def attention_mask_windowed(n: int, w: int) -> np.ndarray:
    i, j = np.indices((n, n))
    return (j <= i) & (i // w == j // w)
'''),
    ("code", '''
# Try it: the grids for n = 6 (these are not the grading cases)
for name, mask in (("causal", attention_mask_causal(6)), ("strided t=2", attention_mask_strided(6, 2)),
                   ("windowed w=3", attention_mask_windowed(6, 3))):
    print(name)
    if mask is not None:
        print("\\n".join("".join("#" if v else "." for v in row) for row in mask))
print(count_dot_products_causal(6), count_dot_products_strided(6, 2), count_dot_products_windowed(6, 3))
'''),
]

RNN2D = [
    ("md", """
## {number}. RNNs for images (3 points)

Hidden units on an $n \\times n$ grid: $h^{{i,j}} = \\sigma(W_{{in}} x^{{i,j}} + W_{{left}} h^{{i-1,j}} + W_{{top}} h^{{i,j-1}})$,
no biases, $c$-channel inputs, hidden size $h$, zero padding at the borders.

* **a.** `rnn2d_num_params(c, h)`: the number of trainable parameters.
* **b.** `rnn2d_num_ops(n, c, h)`: the scalar adds and multiplies needed for all hidden
  activations. Any count within a constant factor of the exact one is accepted, as long as it
  grows the right way with $n$, $c$ and $h$; give the big-O in your answer too.
* **c.** Compare with a regular convnet (advantages, disadvantages).
"""),
    ("code", '''
def rnn2d_num_params(c: int, h: int) -> int:
    # TODO
    return None


def rnn2d_num_ops(n: int, c: int, h: int) -> int:
    # TODO
    return None
''', '''
def rnn2d_num_params(c: int, h: int) -> int:
    return h * c + 2 * h * h  # W_in (h×c), W_left and W_top (h×h), shared over the grid


def rnn2d_num_ops(n: int, c: int, h: int) -> int:
    # per position: W_in x ((2c−1)h), two h×h mat-vecs (2(2h−1)h), 2h adds to combine
    return n * n * (4 * h * h + 2 * h * c - h)
'''),
    ("code", '''
print(rnn2d_num_params(3, 4), rnn2d_num_ops(4, 3, 4))
'''),
    ("answer", "{number}b", """
$O(n^2 h (h + c))$: three matrix-vector products per position, $n^2$ positions.
"""),
    ("answer", "{number}c", """
Pros: each hidden unit sees the whole region above and to the left (directional context, useful
for image completion). Cons: the grid must be computed sequentially (hard to parallelise) and the
long unrolled paths make it harder to train than a convnet.
"""),
]


def fmt(cells, **values):
    """Fill {number}-style fields in the text cells (code cells are left exactly as written)."""
    out = []
    for cell in cells:
        if cell[0] == "md":
            out.append(("md", cell[1].format(**values)))
        elif cell[0] == "answer":
            out.append(("answer", cell[1].format(**values), cell[2].format(**values)))
        else:
            out.append(cell)
    return out


SKIPGRAM = [
    ("md", """
## 3. Making skip-gram training practical (2 points)

A dictionary of $d$ words, embedding dimension $h$. For one (centre, context) pair, the centre
word's vector is $v \\in \\mathbb{R}^h$, the output vectors are the rows of $U \\in \\mathbb{R}^{d \\times h}$,
and the loss is the cross-entropy $\\ell = -\\log \\operatorname{softmax}(U v)_j$ for the context word $j$.

* **a.** `skipgram_grad(U, v, j)` returns $\\partial \\ell / \\partial v$ (shape `(h,)`). Give its running
  time in $d$ and $h$ in your answer.
* **b.** `sampled_skipgram_grad(U, v, j, k, rng)` returns an *unbiased* estimate of the same
  gradient that reads only $O(k)$ rows of `U` (draw your samples from the `numpy` generator
  `rng`). The grader calls it thousands of times and checks the mean against the exact gradient.
  While it is checked, `U` lets you compute the scores `U @ v` (one pass, for the softmax's
  normaliser) and read rows with `U[rows]`, which it counts; turning all of `U` into an array
  counts as reading every row.
"""),
    ("code", '''
import numpy as np


def skipgram_grad(U: np.ndarray, v: np.ndarray, j: int) -> np.ndarray:
    # TODO
    return None


def sampled_skipgram_grad(U, v: np.ndarray, j: int, k: int, rng: np.random.Generator) -> np.ndarray:
    # TODO
    return None
''', '''
import numpy as np


def _softmax(z):
    e = np.exp(z - z.max())  # shifted: large scores must not overflow
    return e / e.sum()


def skipgram_grad(U: np.ndarray, v: np.ndarray, j: int) -> np.ndarray:
    p = _softmax(U @ v)
    p[j] -= 1.0
    return U.T @ p  # sum_r (p_r - [r = j]) u_r


def sampled_skipgram_grad(U, v: np.ndarray, j: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """d times the mean of k uniformly sampled terms (p_r - [r = j]) u_r: unbiased, k rows read."""
    d = U.shape[0]
    p = _softmax(U @ v)
    rows = rng.integers(0, d, size=k)
    weights = p[rows] - (rows == j)
    return d * (weights[:, None] * U[rows]).mean(axis=0)
'''),
    ("code", '''
# Try it: the exact gradient against finite differences, and the sampled estimate's mean
rng = np.random.default_rng(0)
U, v, j = rng.normal(size=(30, 4)), rng.normal(size=4), 7
loss = lambda v: -np.log(np.exp(U @ v - (U @ v).max()) / np.exp(U @ v - (U @ v).max()).sum())[j]
numeric = np.array([(loss(v + 1e-6 * e) - loss(v - 1e-6 * e)) / 2e-6 for e in np.eye(4)])
print(skipgram_grad(U, v, j), numeric)
estimates = [sampled_skipgram_grad(U, v, j, 5, rng) for _ in range(2000)]
print(None if estimates[0] is None else np.mean(estimates, axis=0))
'''),
    ("answer", "3a", """
$\\partial\\ell/\\partial v = U^\\top (p - e_j) = \\sum_r p_r u_r - u_j$ with $p = \\operatorname{softmax}(Uv)$.
It costs $O(dh)$: $d$ scores of $h$ products each, the softmax over $d$, and a weighted sum of $d$
vectors.
"""),
    ("answer", "3b", """
The gradient is $d$ times the average of the $d$ terms $(p_r - [r=j])\\,u_r$. Sampling $k$ indices
uniformly and rescaling the average by $d$ gives an unbiased estimate that touches $k$ rows:
$O(kh)$ for the sum. (The normaliser of $p$ still needs all scores; negative sampling changes the
objective to avoid it.)
"""),
]

SELF_ATTENTION = [
    ("md", """
## 3. Understanding self-attention (4 points)

Self-attention without weight matrices: $x_i = q_i = k_i = v_i$, and $y = \\operatorname{softmax}(X X^\\top) X$
row-wise, **without** the $1/\\sqrt{d}$ scaling. Let $a, b, c, d$ be orthogonal with norm $\\beta$ (very
large), and $x_1 = d + b$, $x_2 = a$, $x_3 = c + b$.

* **a.** `token_norms(beta)` returns the norms of $x_1, x_2, x_3$.
* **b.** `self_attention(X)` returns the outputs for the tokens in the rows of `X`; say which tokens
  the outputs $y_1, y_2, y_3$ approximate.
* **c.** How does this let a network "copy" an input value to the output?
"""),
    ("code", '''
import numpy as np


def token_norms(beta: float) -> tuple[float, float, float]:
    # TODO
    return None


def self_attention(X: np.ndarray) -> np.ndarray:
    # TODO
    return None
''', '''
import math

import numpy as np


def token_norms(beta: float) -> tuple[float, float, float]:
    return (math.sqrt(2) * beta, float(beta), math.sqrt(2) * beta)


def self_attention(X: np.ndarray) -> np.ndarray:
    scores = X @ X.T
    scores = scores - scores.max(axis=1, keepdims=True)  # large β must not overflow
    weights = np.exp(scores)
    return (weights / weights.sum(axis=1, keepdims=True)) @ X
'''),
    ("code", '''
beta = 3.0
a, b, c, d = (beta * np.eye(4)[i] for i in range(4))
X = np.stack([d + b, a, c + b])
print(token_norms(beta))
print(None if self_attention(X) is None else np.round(self_attention(X), 3))
'''),
    ("answer", "3b", """
Scores: $x_1\\cdot x_1 = x_3 \\cdot x_3 = 2\\beta^2$, $x_2 \\cdot x_2 = \\beta^2$, $x_1 \\cdot x_3 = \\beta^2$, the rest 0.
Each token's score with itself beats every other by at least $\\beta^2$, so for large $\\beta$ the
softmax is one-hot on itself: $y_1 \\approx x_1 = d + b$, $y_2 \\approx x_2 = a$, $y_3 \\approx x_3 = c + b$.
"""),
    ("answer", "3c", """
When one query-key score dominates (large norms), the softmax is nearly one-hot and the output is
that key's value: the value is copied to the output.
"""),
]

LINEAR_ATTENTION = [
    ("md", """
## 2. Attention! My code takes too long (2 points)

Linear self-attention drops the exponentials of the row-wise softmax: $y_i = \\sum_j (q_i^\\top k_j) v_j / \\sum_j q_i^\\top k_j$.
Implement `linear_attention(Q, K, V)` (shapes `(T, d)`, `(T, d)`, `(T, d_v)`, positive entries)
in $O(T)$ time and memory. The grader checks it against the quadratic form on small inputs, and
runs it at a `T` where a `T × T` matrix does not fit the memory limit.
"""),
    ("code", '''
import numpy as np


def linear_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray) -> np.ndarray:
    # TODO
    return None
''', '''
import numpy as np


def linear_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray) -> np.ndarray:
    kv = K.T @ V                 # d × d_v, once: O(T d d_v)
    normaliser = Q @ K.sum(0)    # T
    return (Q @ kv) / normaliser[:, None]
'''),
    ("code", '''
rng = np.random.default_rng(0)
Q, K, V = rng.uniform(0.1, 1, (5, 3)), rng.uniform(0.1, 1, (5, 3)), rng.normal(size=(5, 2))
A = Q @ K.T
print(linear_attention(Q, K, V), (A / A.sum(1, keepdims=True)) @ V, sep="\\n")
'''),
    ("answer", "2", """
$y_i = q_i^\\top (\\sum_j k_j v_j^\\top) / q_i^\\top (\\sum_j k_j)$: the two sums do not depend on $i$, so
compute $K^\\top V$ and $K^\\top \\mathbf{1}$ once in $O(T d d_v)$ and each row in $O(d d_v)$: $O(T)$
for fixed $d$, and no $T \\times T$ matrix.
"""),
]

SENTIMENT_A = [
    ("md", """
## {number}. Sentiment of app reviews with BERT ({points} points)

The notebook from the course fine-tunes `bert-base-cased` to classify Google Play reviews as
negative / neutral / positive. Complete the missing items. The grader checks `train_epoch` and
`eval_model` on small stand-in models and loaders it builds, with the signatures below; the data
exploration, plots and commentary are graded by hand.

* `train_epoch(model, data_loader, loss_fn, optimizer, device, scheduler, n_examples) -> (acc, loss)`:
  one epoch; `model(input_ids=..., attention_mask=...)` returns logits; batches are dicts with
  `input_ids`, `attention_mask`, `targets`; clip gradients to norm 1.0; step the scheduler every
  batch. Returns the accuracy over `n_examples` and the mean batch loss.
* `eval_model(model, data_loader, loss_fn, device, n_examples) -> (acc, loss)`: the same without
  any weight update.
"""),
    ("code", '''
import numpy as np
import torch
from torch import nn


def train_epoch(model, data_loader, loss_fn, optimizer, device, scheduler, n_examples):
    # TODO
    return None


def eval_model(model, data_loader, loss_fn, device, n_examples):
    # TODO
    return None
''', '''
import numpy as np
import torch
from torch import nn


def train_epoch(model, data_loader, loss_fn, optimizer, device, scheduler, n_examples):
    model = model.train()
    losses, correct = [], 0
    for batch in data_loader:
        input_ids = batch["input_ids"].to(device)
        attention_mask = batch["attention_mask"].to(device)
        targets = batch["targets"].to(device)
        outputs = model(input_ids=input_ids, attention_mask=attention_mask)
        _, preds = torch.max(outputs, dim=1)
        loss = loss_fn(outputs, targets)
        correct += torch.sum(preds == targets)
        losses.append(loss.item())
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
    return correct.double() / n_examples, np.mean(losses)


def eval_model(model, data_loader, loss_fn, device, n_examples):
    model = model.eval()
    losses, correct = [], 0
    with torch.no_grad():
        for batch in data_loader:
            outputs = model(input_ids=batch["input_ids"].to(device),
                            attention_mask=batch["attention_mask"].to(device))
            targets = batch["targets"].to(device)
            _, preds = torch.max(outputs, dim=1)
            losses.append(loss_fn(outputs, targets).item())
            correct += torch.sum(preds == targets)
    return correct.double() / n_examples, np.mean(losses)
'''),
    ("code", '''
# Try it on a tiny model (the course notebook uses BERT and the reviews; see below)
class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb, self.out = nn.Embedding(50, 8), nn.Linear(8, 3)

    def forward(self, input_ids, attention_mask):
        return self.out(self.emb(input_ids).mean(1))


torch.manual_seed(0)
tiny = Tiny()
loader = [{"input_ids": torch.randint(0, 50, (4, 6)), "attention_mask": torch.ones(4, 6, dtype=torch.long),
           "targets": torch.randint(0, 3, (4,))} for _ in range(3)]
opt = torch.optim.SGD(tiny.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.9)
print(train_epoch(tiny, loader, nn.CrossEntropyLoss(), opt, "cpu", sched, 12))
print(eval_model(tiny, loader, nn.CrossEntropyLoss(), "cpu", 12))
'''),
    ("md", """
### Predictions on reviews the grader holds out

`predict_review(texts)` returns `"negative"`, `"neutral"` or `"positive"` for each review. The
grader measures its accuracy on app reviews it keeps outside the sandbox: full credit at 0.75,
none below 0.45. The reviews are in `$GRADER_DATA/app-reviews/reviews.csv` (columns `content`
and `score`; score ≤ 2 is negative, 3 neutral, ≥ 4 positive). The course fine-tunes
`bert-base-cased` (from the offline HuggingFace cache under `GRADER_DATA`); the data
exploration, plots, confusion matrix and the example prediction are graded by hand.
"""),
    ("code", '''
class_names = ["negative", "neutral", "positive"]


def predict_review(texts: list[str]) -> list[str]:
    # TODO: a class name for each review, from your trained model
    return None
''', '''
# This solution trains a small classifier with the train_epoch() and eval_model() above so that
# it runs offline on a CPU in seconds (mean of learned word and bigram embeddings and the
# log-length, then a Linear layer);
# the course's fine-tuned BERT plugs into the same functions.
import collections
import csv
import os
import random
import re

class_names = ["negative", "neutral", "positive"]
WORD = re.compile(r"[a-z']+")


def tokenize(text):
    words = WORD.findall(text.lower())[:200]
    return words + [a + "_" + b for a, b in zip(words, words[1:])]  # and bigrams


def sentiment(score):
    return 0 if score <= 2 else 1 if score == 3 else 2


torch.set_num_threads(1)  # the same result on any machine
with open(os.path.join(os.environ.get("GRADER_DATA", "data"), "app-reviews", "reviews.csv"),
          encoding="utf-8", newline="") as f:
    rows = [(tokenize(r["content"]), sentiment(int(r["score"]))) for r in csv.DictReader(f)]
random.Random(0).shuffle(rows)
n_valid = len(rows) // 10
counts = collections.Counter(w for words, _ in rows[n_valid:] for w in set(words))
vocab = {w: i + 2 for i, (w, _) in enumerate(counts.most_common(60000))}


def encode(texts_as_words):
    ids = nn.utils.rnn.pad_sequence([torch.tensor([vocab.get(w, 1) for w in words] or [1])
                                     for words in texts_as_words], batch_first=True)
    return {"input_ids": ids, "attention_mask": (ids != 0).long()}


class MeanOfWords(nn.Module):
    """The mean of word and bigram embeddings, and the review's log-length."""

    def __init__(self, vocab_size, dim=32, classes=3):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.out = nn.Linear(dim + 1, classes)

    def forward(self, input_ids, attention_mask):
        mask = attention_mask.unsqueeze(-1).float()
        length = mask.sum(1).clamp(min=1)
        mean = (self.embedding(input_ids) * mask).sum(1) / length
        return self.out(torch.cat([mean, length.log() / 5], dim=1))


def loader(part, size=128):
    return [{**encode([w for w, _ in part[i:i + size]]),
             "targets": torch.tensor([y for _, y in part[i:i + size]])}
            for i in range(0, len(part), size)]


torch.manual_seed(0)
review_model = MeanOfWords(len(vocab) + 2)
optimizer = torch.optim.Adam(review_model.parameters(), lr=0.01)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1000, gamma=0.5)
for epoch in range(4):
    train_acc, train_loss = train_epoch(review_model, loader(rows[n_valid:]), nn.CrossEntropyLoss(),
                                        optimizer, "cpu", scheduler, len(rows) - n_valid)
    val_acc, val_loss = eval_model(review_model, loader(rows[:n_valid]), nn.CrossEntropyLoss(),
                                   "cpu", n_valid)
    print(f"epoch {epoch + 1}: train acc {float(train_acc):.3f}, val acc {float(val_acc):.3f}")


def predict_review(texts: list[str]) -> list[str]:
    review_model.eval()
    with torch.no_grad():
        batch = encode([tokenize(t) for t in texts])
        return [class_names[i] for i in review_model(**batch).argmax(1).tolist()]


print(predict_review(["I love Deep Learning! Best course evah!!!1!!"]))
'''),
    ("answer", "{number}", """
Data: 15746 reviews, score 3 the most common, classes roughly balanced; splits 14171 / 787 / 788;
`last_hidden_state` (1, 32, 768) and `pooled_output` (1, 768). Validation accuracy reaches about
0.88; neutral is the hardest class in the confusion matrix; the example review is positive.
"""),
]

SENTIMENT_B = [
    ("md", """
## 4. Sentiment analysis using Transformer models (5 points)

The course notebook classifies IMDB reviews with a frozen `bert-base-uncased` feeding a 2-layer
bidirectional GRU (hidden 256, dropout 0.25, `Linear(512, 1)`). Complete the missing items. The
grader checks these functions on small stand-in models and iterators it builds:

* `binary_accuracy(preds, y)`: `preds` are logits, `y` 0/1 labels (float tensors); the fraction
  correct after sigmoid and rounding, as a tensor.
* `train(model, iterator, optimizer, criterion) -> (loss, acc)`: one epoch; batches have `.text`
  and `.label`; `model(batch.text)` returns logits of shape `(batch, 1)`; returns the mean batch
  loss and accuracy.
* `evaluate(model, iterator, criterion) -> (loss, acc)`: the same without updates (eval mode,
  no gradients).
* `count_parameters(model) -> int`: the number of *trainable* parameters.
"""),
    ("code", '''
import torch
from torch import nn


def binary_accuracy(preds, y):
    # TODO
    return None


def train(model, iterator, optimizer, criterion):
    # TODO
    return None


def evaluate(model, iterator, criterion):
    # TODO
    return None


def count_parameters(model) -> int:
    # TODO
    return None
''', '''
import torch
from torch import nn


def binary_accuracy(preds, y):
    rounded = torch.round(torch.sigmoid(preds))
    return (rounded == y).float().sum() / len(y)


def train(model, iterator, optimizer, criterion):
    epoch_loss, epoch_acc = 0.0, 0.0
    model.train()
    for batch in iterator:
        optimizer.zero_grad()
        predictions = model(batch.text).squeeze(1)
        loss = criterion(predictions, batch.label)
        acc = binary_accuracy(predictions, batch.label)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
        epoch_acc += acc.item()
    return epoch_loss / len(iterator), epoch_acc / len(iterator)


def evaluate(model, iterator, criterion):
    epoch_loss, epoch_acc = 0.0, 0.0
    model.eval()
    with torch.no_grad():
        for batch in iterator:
            predictions = model(batch.text).squeeze(1)
            epoch_loss += criterion(predictions, batch.label).item()
            epoch_acc += binary_accuracy(predictions, batch.label).item()
    return epoch_loss / len(iterator), epoch_acc / len(iterator)


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
'''),
    ("code", '''
# Try it on a tiny model (the course notebook uses the frozen BERT + GRU; see below)
from types import SimpleNamespace

torch.manual_seed(0)
tiny = nn.Sequential(nn.Embedding(30, 8), nn.Flatten(), nn.Linear(8 * 5, 1))
batches = [SimpleNamespace(text=torch.randint(0, 30, (4, 5)), label=torch.randint(0, 2, (4,)).float())
           for _ in range(3)]
opt = torch.optim.SGD(tiny.parameters(), lr=0.1)
print(binary_accuracy(torch.tensor([2.0, -1.0]), torch.tensor([1.0, 1.0])))
print(train(tiny, batches, opt, nn.BCEWithLogitsLoss()), evaluate(tiny, batches, nn.BCEWithLogitsLoss()))
print(count_parameters(tiny))
'''),
    ("md", """
### Predictions on reviews the grader holds out

`predict_sentiment_batch(texts)` returns, for each review in the list, the probability that it is
positive. The grader measures its accuracy on IMDB test reviews it keeps outside the sandbox:
full credit at 0.80, none below 0.55.

The course trains a frozen `bert-base-uncased` feeding a 2-layer bidirectional GRU (two epochs,
7–15 minutes each on a GPU), which needs the `bert-base-uncased` weights from the offline
HuggingFace cache under `GRADER_DATA`. The training reviews are in
`$GRADER_DATA/imdb/aclImdb/train/{pos,neg}/` (IMDB as unpacked from `aclImdb_v1.tar.gz`).
"""),
    ("code", '''
def predict_sentiment_batch(texts: list[str]) -> list[float]:
    # TODO: the probability that each review is positive, from your trained model
    return None
''', '''
# This solution trains a small model with the train() and evaluate() above, so that it runs
# offline on a CPU in seconds: the mean of learned word and bigram embeddings, then
# Linear(32, 1) (about 0.88 on IMDB from 8,000 reviews); the course's BERT + GRU model plugs
# into the same functions.
import collections
import glob
import os
import random
import re
from types import SimpleNamespace

IMDB = os.path.join(os.environ.get("GRADER_DATA", "data"), "imdb", "aclImdb")
WORD = re.compile(r"[a-z']+")


def tokenize(text):
    words = WORD.findall(text.lower().replace("<br />", " "))[:400]
    return words + [a + "_" + b for a, b in zip(words, words[1:])]  # and bigrams


def read_imdb(split):
    reviews = []
    for label, name in ((0.0, "neg"), (1.0, "pos")):
        for path in sorted(glob.glob(os.path.join(IMDB, split, name, "*.txt"))):
            with open(path, encoding="utf-8") as f:
                reviews.append((tokenize(f.read()), label))
    return reviews


class MeanOfWords(nn.Module):
    def __init__(self, vocab_size, dim=32):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.fc = nn.Linear(dim, 1)

    def forward(self, text):
        mask = (text != 0).float().unsqueeze(-1)
        pooled = (self.embedding(text) * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.fc(pooled)


def to_ids(words):
    return [vocab.get(w, 1) for w in words] or [1]  # 0 pads, 1 is an unknown word


def to_batches(reviews, size):
    batches = []
    for start in range(0, len(reviews), size):
        chunk = reviews[start:start + size]
        text = nn.utils.rnn.pad_sequence([torch.tensor(to_ids(w)) for w, _ in chunk],
                                         batch_first=True)
        batches.append(SimpleNamespace(text=text, label=torch.tensor([y for _, y in chunk])))
    return batches


torch.set_num_threads(1)  # the same result on any machine
reviews = read_imdb("train")
random.Random(0).shuffle(reviews)
n_valid = len(reviews) // 10
counts = collections.Counter(w for words, _ in reviews[n_valid:] for w in set(words))
vocab = {w: i + 2 for i, (w, _) in enumerate(counts.most_common(60000))}
torch.manual_seed(0)
sentiment_model = MeanOfWords(len(vocab) + 2)
optimizer = torch.optim.Adam(sentiment_model.parameters(), lr=0.01)
criterion = nn.BCEWithLogitsLoss()
valid_batches = to_batches(reviews[:n_valid], 256)
for epoch in range(4):
    random.Random(epoch).shuffle(reviews_train := reviews[n_valid:])
    train_loss, train_acc = train(sentiment_model, to_batches(reviews_train, 256), optimizer,
                                  criterion)
    valid_loss, valid_acc = evaluate(sentiment_model, valid_batches, criterion)
    print(f"epoch {epoch + 1}: train acc {train_acc:.3f}, valid acc {valid_acc:.3f}")


def predict_sentiment_batch(texts: list[str]) -> list[float]:
    sentiment_model.eval()
    with torch.no_grad():
        text = nn.utils.rnn.pad_sequence([torch.tensor(to_ids(tokenize(t))) for t in texts],
                                         batch_first=True)
        return torch.sigmoid(sentiment_model(text).squeeze(1)).tolist()


print(predict_sentiment_batch(["Justice League is terrible. I hated it.", "Avengers was great!!"]))
'''),
    ("answer", "4", """
Vocabulary 30522; 17500 / 7500 / 25000 examples; 112,241,409 parameters, 2,759,169 trainable once
BERT is frozen; about 90% test accuracy after two epochs; read predictions through
`LABEL.vocab.stoi`.
"""),
]

VIT = [
    ("md", """
## 3. Vision transformers on FashionMNIST (5 points)

Train a ViT with **patch size 4×4**, between 4 and 8 layers and between 2 and 4 heads, and report
your test accuracies for each configuration you tried. The grader

* builds `build_vit(depth, heads)` for several depths and heads and checks the patch size, the
  number of attention blocks, the heads, and that a `(B, 1, 28, 28)` batch gives `(B, 10)` logits;
* measures the accuracy of `predict_fashion(images)` itself on hidden test images
  (`images`: `uint8` array `(N, 28, 28)`; return `N` integer labels): full credit at 0.85, none
  below 0.70, linear in between;
* checks that the best accuracy in your table `vit_results` (`{(depth, heads): accuracy}`, as
  fractions) agrees with what it measured, within 2 points.

Training on a CPU takes minutes per epoch. Tag your training cells `train`; if you upload the
trained weights as `vit.pt` (a `state_dict`: `torch.save(model.state_dict(), "vit.pt")`), the
grader skips the `train` cells and loads the weights into `vit_state_dict` with
`torch.load("vit.pt", weights_only=True)`. The training data is under
`$GRADER_DATA/fashion-mnist/` (the official `.gz` IDX files); the test labels are not there.
"""),
    ("code", """
import gzip
import os

import numpy as np
import torch
from torch import nn


def build_vit(depth: int, heads: int) -> nn.Module:
    # TODO: a ViT with 4×4 patches, `depth` transformer blocks and `heads` attention heads
    return None


VIT_CONFIG = (4, 2)  # (depth, heads) of the model predict_fashion uses
""", """
import gzip
import os

import numpy as np
import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, dim, heads, dim_head=64):
        super().__init__()
        self.heads, self.scale = heads, dim_head ** -0.5
        self.to_qkv = nn.Linear(dim, heads * dim_head * 3, bias=False)
        self.to_out = nn.Linear(heads * dim_head, dim)

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = (t.reshape(b, n, self.heads, -1).transpose(1, 2)
                   for t in self.to_qkv(x).chunk(3, dim=-1))
        attn = (q @ k.transpose(-1, -2) * self.scale).softmax(dim=-1)
        return self.to_out((attn @ v).transpose(1, 2).reshape(b, n, -1))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_dim):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim), Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_dim), nn.ReLU(), nn.Linear(mlp_dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    # the course demo's architecture (dl-demos, visual_transformers.ipynb), without einops
    def __init__(self, image_size=28, patch_size=4, num_classes=10, channels=1, dim=64, depth=4,
                 heads=2, mlp_dim=128):
        super().__init__()
        self.patch_size = patch_size
        n_patches = (image_size // patch_size) ** 2
        self.to_patch = nn.Linear(channels * patch_size * patch_size, dim)
        self.cls = nn.Parameter(torch.randn(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, n_patches + 1, dim))
        self.blocks = nn.Sequential(*[Block(dim, heads, mlp_dim) for _ in range(depth)])
        self.head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, num_classes))

    def forward(self, img):
        b, c, h, w = img.shape
        p = self.patch_size
        patches = img.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1)
        x = self.to_patch(patches.reshape(b, (h // p) * (w // p), p * p * c))
        x = torch.cat([self.cls.expand(b, -1, -1), x], dim=1) + self.pos
        return self.head(self.blocks(x)[:, 0])


def build_vit(depth: int, heads: int) -> nn.Module:
    return ViT(patch_size=4, depth=depth, heads=heads)


VIT_CONFIG = (4, 2)  # (depth, heads) of the model predict_fashion uses
MEAN, STD = 0.2860, 0.3530  # FashionMNIST's training-set pixel statistics


def to_tensor(images):
    return ((torch.as_tensor(np.asarray(images), dtype=torch.float32) / 255 - MEAN) / STD)[:, None]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)
"""),
    ("tagged", "train", """
# Training (tagged `train`: skipped by the grader when you upload vit.pt)
# TODO: train build_vit(*VIT_CONFIG) and the other configurations; keep the state_dict
vit_state_dict = None
""", """
# Training (tagged `train`: skipped by the grader when you upload vit.pt)
folder = os.path.join(os.environ.get("GRADER_DATA", "data"), "fashion-mnist")
images = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz"))
labels = torch.as_tensor(read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz")).astype(np.int64))
x = to_tensor(images)
n_val = len(x) // 10  # a validation split from the training data: the test labels are hidden
torch.manual_seed(0)
model = build_vit(*VIT_CONFIG)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
for _epoch in range(10):
    model.train()
    order = torch.randperm(len(x) - n_val) + n_val
    for start in range(0, len(order), 64):
        batch = order[start:start + 64]
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x[batch]), labels[batch]).backward()
        optimizer.step()
model.eval()
with torch.no_grad():
    val_accuracy = (model(x[:n_val]).argmax(1) == labels[:n_val]).float().mean().item()
print(f"validation accuracy {val_accuracy:.3f}")
vit_results = {VIT_CONFIG: val_accuracy}
vit_state_dict = model.state_dict()
"""),
    ("code", """
def predict_fashion(images: np.ndarray) -> np.ndarray:
    # TODO: labels predicted by your trained model for uint8 images of shape (N, 28, 28)
    return None


# Your table: {(depth, heads): test accuracy as a fraction}, one entry per configuration
vit_results = {}
""", """
vit_model = build_vit(*VIT_CONFIG)
vit_model.load_state_dict(vit_state_dict)
vit_model.eval()


def predict_fashion(images: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return np.concatenate([vit_model(to_tensor(images[i:i + 500])).argmax(1).numpy()
                               for i in range(0, len(images), 500)])


# Your table: {(depth, heads): test accuracy as a fraction}, one entry per configuration.
# The training cell fills in the configuration it trained; with vit.pt, type your numbers here.
vit_results = dict(globals().get("vit_results", {}))
print(vit_results)
"""),
    ("answer", "3", """
*The table of accuracies over depths 4–8 and heads 2–4, and what you observe.*
"""),
]

ASSIGNMENTS = {
    "hw4-2020": [("md", INTRO.format(title="Deep Learning (Fall 2020) — Homework 4"))]
    + ATTENTION_COUNTS
    + fmt(RNN2D, number=2)
    + fmt(SENTIMENT_A, number=3, points=4),
    "hw4-2021": [("md", INTRO.format(title="Deep Learning (Spring 2021) — Homework 4"))]
    + fmt(RNN2D, number=1)
    + [("md", """
## 2. Attention! My code takes too long (1 point)

Propose a way to reduce self-attention's running time to $O(T)$ and comment on its pros and cons.
"""), ("answer", "2", """
Windowed attention (each token attends to the previous $w$ tokens) costs $O(Tw) = O(T)$ for a
fixed window; linear attention (drop the exponentials, compute $Q(K^\\top V)$) is $O(T)$ too.
Cheaper, but long-range context (window) or expressiveness (linear) is lost.
""")]
    + SKIPGRAM
    + fmt(SENTIMENT_A, number=4, points=4),
    "hw3-2023": [("md", INTRO.format(title="Deep Learning (Spring 2023) — Homework 3")),
                 ("md", """
## 1. CNNs vs RNNs (3 points)

a. Give two benefits of CNN models over RNN models for image classification.
b. Now, give two benefits of RNN models over CNN models.
"""), ("answer", "1", """
CNNs: translation equivariance with few shared weights, and parallel computation over the image.
RNNs: variable-size inputs processed in order, and a state that carries long-range context.
""")]
    + fmt(RECURRENCE, number=2, points=3, length="Assume the input sequence has **even** length.")
    + SELF_ATTENTION
    + SENTIMENT_B,
    "hw2-2025": [("md", INTRO.format(title="Deep Learning (Spring 2025) — Homework 2"))]
    + fmt(RECURRENCE, number=1, points=3,
          length="Assume the input sequence has length 1000.")
    + LINEAR_ATTENTION
    + VIT
    + SENTIMENT_B,
}
