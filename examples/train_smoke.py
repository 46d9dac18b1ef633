"""The single-step training run: prove a release trains, given nothing but its URI.

    python examples/train_smoke.py s3://pixel-data/exports/releases/v2026-11-23
    python examples/train_smoke.py build/releases/v2026-11-23 --stage foundation

Streams the train split through the manifest (every shard's SHA-256 verified), tokenizes ChatML with a byte-level
tokenizer that needs no download, builds a tiny causal transformer, takes one optimizer step on one batch, and
runs a validation pass over the val split. Loss is taken on assistant turns only, as in chat fine-tuning. Prints
one JSON line; exits 1 if a loss is not finite. Needs the `torch` extra (`pip install -e '.[torch]'`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import torch
from torch import nn

from releasebuild.loader import ReleaseLoader
from releasebuild.loader.pytorch import TorchReleaseDataset

IM_START, IM_END, PAD = 256, 257, 258  # bytes are 0..255; ChatML's two markers and padding follow
VOCAB = 259
IGNORE = -100  # labels the loss skips


def encode(record: dict[str, Any], max_tokens: int) -> tuple[list[int], list[int]]:
    """ChatML as bytes: <|im_start|>role\\ncontent<|im_end|>\\n per message; labels only on assistant content."""
    tokens: list[int] = []
    labels: list[int] = []
    for message in record["messages"]:
        head = [IM_START, *f"{message['role']}\n".encode()]
        body = [*message["content"].encode("utf-8"), IM_END]
        trained = message["role"] == "assistant"
        tokens += head + body + [10]
        labels += [IGNORE] * len(head) + (body if trained else [IGNORE] * len(body)) + [IGNORE]
    return tokens[:max_tokens], labels[:max_tokens]


def collate(batch: list[tuple[list[int], list[int]]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(tokens) for tokens, _ in batch)
    inputs = torch.full((len(batch), width), PAD, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    for row, (tokens, targets) in enumerate(batch):
        inputs[row, : len(tokens)] = torch.tensor(tokens)
        labels[row, : len(targets)] = torch.tensor(targets)
    return inputs, labels


class TinyCausalLM(nn.Module):
    def __init__(self, max_tokens: int, width: int = 64, heads: int = 4):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB, width)
        self.positions = nn.Embedding(max_tokens, width)
        self.block = nn.TransformerEncoderLayer(width, heads, dim_feedforward=2 * width, batch_first=True)
        self.head = nn.Linear(width, VOCAB)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        length = inputs.shape[1]
        hidden = self.tokens(inputs) + self.positions(torch.arange(length, device=inputs.device))
        causal = nn.Transformer.generate_square_subsequent_mask(length)
        return self.head(self.block(hidden, src_mask=causal, is_causal=True))


def loss_of(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    logits = model(inputs)[:, :-1]  # position t predicts token t + 1
    return nn.functional.cross_entropy(logits.reshape(-1, VOCAB), labels[:, 1:].reshape(-1), ignore_index=IGNORE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("release", help="the release URI: <root>/releases/<version> (s3://, any fsspec URI, a path)")
    parser.add_argument("--stage", help="train on one curriculum stage (default: every family, by record count)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--workers", type=int, default=2, help="dataloader worker processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", help="where verified shards are kept (default: ~/.cache/releasebuild)")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)

    def tokenized(record: dict[str, Any]) -> tuple[list[int], list[int]]:
        return encode(record, args.max_tokens)

    def batches(split: str) -> torch.utils.data.DataLoader:
        dataset = TorchReleaseDataset(args.release, splits=split, stage=args.stage if split == "train" else None,
                                      batch_size=args.batch_size, seed=args.seed, transform=tokenized,
                                      cache_dir=args.cache_dir, shuffle=split == "train")
        return torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, num_workers=args.workers,
                                           collate_fn=collate)

    model = TinyCausalLM(args.max_tokens)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    inputs, labels = next(iter(batches("train")))
    model.train()
    loss = loss_of(model, inputs, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    train_loss = loss.item()

    model.eval()
    total, count, records = 0.0, 0, 0
    with torch.no_grad():
        for val_inputs, val_labels in batches("val"):
            tokens = int((val_labels[:, 1:] != IGNORE).sum())
            total += float(loss_of(model, val_inputs, val_labels)) * tokens
            count += tokens
            records += len(val_inputs)
    val_loss = total / count if count else float("nan")
    loader = ReleaseLoader(args.release, cache_dir=args.cache_dir)
    summary = {"release": loader.version, "root_digest": loader.release.root_digest, "train_loss": train_loss,
               "train_batch": len(inputs), "val_loss": val_loss, "val_records": records,
               "val_expected": loader.count("val"), "val_tokens": count,
               "parameters": sum(p.numel() for p in model.parameters())}
    print(json.dumps(summary))
    return 0 if math.isfinite(train_loss) and math.isfinite(val_loss) else 1


if __name__ == "__main__":
    sys.exit(main())
