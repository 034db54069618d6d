"""Kernel-side harnesses for the sentiment notebooks: run INSIDE the sandbox (torch + numpy only).

The grader ships this module's source into the kernel and calls e.g. `run_train(train, spec)`:
it builds a small stand-in model, iterator, optimizer and loss from `spec` (seeded), calls the
student's function, and returns what it observed as plain data. The same harness runs the
reference implementation in the grader's process for the expected observations, so a correct
function reproduces them to rounding.

The stand-ins record, on every forward pass, whether the model was in training mode and whether
autograd was on, so `evaluate` that forgets `model.eval()` / `torch.no_grad()` is caught.
`train` and `evaluate` see the grader's `binary_accuracy` while they run, so a mistake in the
student's `binary_accuracy` costs only its own question.
"""

import numpy as np
import torch
from torch import nn


class Batch:
    """A torchtext-style batch: `.text` (batch, length) token ids, `.label` (batch,) floats."""

    def __init__(self, text, label):
        self.text = text
        self.label = label


class Iterator:
    def __init__(self, batches):
        self._batches = batches

    def __iter__(self):
        return iter(self._batches)

    def __len__(self):
        return len(self._batches)


class _Recording(nn.Module):
    def __init__(self):
        super().__init__()
        self.modes = []

    def _record(self):
        self.modes.append([bool(self.training), bool(torch.is_grad_enabled())])


class StandInBinary(_Recording):
    """Embedding → mean over tokens → Linear(1): logits of shape (batch, 1)."""

    def __init__(self, vocab, dim):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.fc = nn.Linear(dim, 1)

    def forward(self, text):
        self._record()
        return self.fc(self.embedding(text).mean(dim=1))


class StandInReviews(_Recording):
    """The app-review classifier's interface: (input_ids, attention_mask) → 3 logits."""

    def __init__(self, vocab, dim, classes=3):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.out = nn.Linear(dim, classes)

    def forward(self, input_ids, attention_mask):
        self._record()
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (self.embedding(input_ids) * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.out(pooled)


class StandInBertGru(nn.Module):
    """BERTGRUSentiment's shape: a frozen embedding stack (the 'BERT'), a GRU, a Linear head."""

    def __init__(self, vocab, emb, hidden, layers, bidirectional, frozen):
        super().__init__()
        self.bert = nn.Sequential(nn.Embedding(vocab, emb), nn.LayerNorm(emb))
        self.rnn = nn.GRU(emb, hidden, num_layers=layers, bidirectional=bidirectional,
                          batch_first=True)
        self.out = nn.Linear(hidden * (2 if bidirectional else 1), 1)
        if frozen:
            for parameter in self.bert.parameters():
                parameter.requires_grad = False


def binary_accuracy(preds, y):
    """The grader's own metric, lent to `train` / `evaluate` while they are checked."""
    rounded = torch.round(torch.sigmoid(preds))
    return (rounded == y).float().sum() / len(y)


def _flat(model):
    return np.concatenate([p.detach().double().numpy().ravel() for p in model.parameters()])


def _number(value):
    if isinstance(value, torch.Tensor):
        return float(value.detach().double().item())
    return float(value)


def _binary_batches(spec):
    generator = torch.Generator().manual_seed(spec["seed"] + 1)
    batches = []
    for _ in range(spec["batches"]):
        text = torch.randint(0, spec["vocab"], (spec["batch_size"], spec["length"]),
                             generator=generator)
        label = (text[:, 0] % 2).float()  # a learnable rule
        batches.append(Batch(text, label))
    return Iterator(batches)


class _Lent:
    """Put names into a function's globals for the duration of a call, then restore them."""

    def __init__(self, function, **names):
        self.namespace = getattr(function, "__globals__", {})
        self.names = names
        self.saved = {}

    def __enter__(self):
        for name, value in self.names.items():
            self.saved[name] = self.namespace.get(name, _Lent)
            self.namespace[name] = value

    def __exit__(self, *exc):
        for name, value in self.saved.items():
            if value is _Lent:
                self.namespace.pop(name, None)
            else:
                self.namespace[name] = value


def _observed(model, result, *names):
    """The function's returned pair (named in its order), the weights after, the forward passes;
    None when the function returned None (not implemented)."""
    if result is None:
        return None
    first, second = result
    return {names[0]: _number(first), names[1]: _number(second), "weights": _flat(model),
            "forward_modes": model.modes}


def _binary_setup(spec):
    torch.manual_seed(spec["seed"])
    model = StandInBinary(spec["vocab"], spec["dim"])
    return model, _binary_batches(spec), nn.BCEWithLogitsLoss()


def run_binary_accuracy(function, preds, y):
    result = function(torch.as_tensor(preds, dtype=torch.float32),
                      torch.as_tensor(y, dtype=torch.float32))
    return None if result is None else _number(result)


def run_train(function, spec):
    """train(model, iterator, optimizer, criterion) -> (loss, acc) on a stand-in; weights after."""
    model, iterator, criterion = _binary_setup(spec)
    optimizer = torch.optim.SGD(model.parameters(), lr=spec["lr"])
    model.eval()  # train() must switch it back
    with _Lent(function, binary_accuracy=binary_accuracy):
        return _observed(model, function(model, iterator, optimizer, criterion), "loss", "acc")


def run_evaluate(function, spec):
    """evaluate(model, iterator, criterion) -> (loss, acc); the weights must not move."""
    model, iterator, criterion = _binary_setup(spec)
    model.train()  # evaluate() must switch to eval mode
    with _Lent(function, binary_accuracy=binary_accuracy):
        return _observed(model, function(model, iterator, criterion), "loss", "acc")


def run_count_parameters(function, spec):
    torch.manual_seed(spec["seed"])
    model = StandInBertGru(spec["vocab"], spec["emb"], spec["hidden"], spec["layers"],
                           spec["bidirectional"], spec["frozen"])
    result = function(model)
    return None if result is None else int(result)


def _review_setup(spec):
    torch.manual_seed(spec["seed"])
    model = StandInReviews(spec["vocab"], spec["dim"])
    generator = torch.Generator().manual_seed(spec["seed"] + 1)
    loader = []
    for _ in range(spec["batches"]):
        ids = torch.randint(1, spec["vocab"], (spec["batch_size"], spec["length"]),
                            generator=generator)
        lengths = torch.randint(1, spec["length"] + 1, (spec["batch_size"],), generator=generator)
        mask = (torch.arange(spec["length"])[None, :] < lengths[:, None]).long()
        targets = ids[:, 0] % 3
        loader.append({"input_ids": ids * mask, "attention_mask": mask, "targets": targets})
    n_examples = spec["batches"] * spec["batch_size"]
    return model, loader, nn.CrossEntropyLoss(), n_examples


def run_train_epoch(function, spec):
    """train_epoch(model, data_loader, loss_fn, optimizer, device, scheduler, n_examples)."""
    model, loader, loss_fn, n_examples = _review_setup(spec)
    optimizer = torch.optim.SGD(model.parameters(), lr=spec["lr"])
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    model.eval()
    result = function(model, loader, loss_fn, optimizer, torch.device("cpu"), scheduler,
                      n_examples)
    return _observed(model, result, "acc", "loss")


def run_eval_model(function, spec):
    """eval_model(model, data_loader, loss_fn, device, n_examples) -> (acc, loss)."""
    model, loader, loss_fn, n_examples = _review_setup(spec)
    model.train()
    return _observed(model, function(model, loader, loss_fn, torch.device("cpu"), n_examples),
                     "acc", "loss")
