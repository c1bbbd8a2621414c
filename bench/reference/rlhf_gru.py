"""rlhf-ppo-tiny-lm reference: the same tiny GRU policy and RL loop as bench/lib/rlhf-inprocess.ts, in PyTorch.

Model: embedding (vocab x 16) -> GRU cell (hidden 64, PyTorch gate convention) -> linear head over the vocab;
random init, no SFT. Per iteration: sample a response for each of 256 left-padded prompts (32 prompts x 8
samples, read as JSON from stdin) token by token with the hidden state carried (the GRU's KV-cache
equivalent), PAD never sampled, a row stops after END, generation stops when every row has or at
--max-tokens; then one REINFORCE update with a leave-one-out (RLOO) baseline: reward 1 for a finished
response, the whole prompt+response batch re-run through the GRU for the response log-probs, the loss
averaged over response tokens, global-norm gradient clipping at 1, Adam (lr 1e-3). CPU, 1 thread.
Prints {"tokens", "seconds", "tokens_per_second", ...} as one JSON line; warm-up iterations are not timed.

--packed: skip finished rows the way ours does (sampling steps only the rows still generating; the update
runs the GRU on a PackedSequence of each row's prompt and response, `pack_padded_sequence`), for an
apples-to-apples figure against an implementation that also skips padding.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn


class Policy(nn.Module):
    def __init__(self, vocab: int, hidden: int, embedding: int):
        super().__init__()
        self.emb = nn.Embedding(vocab, embedding)
        self.gru = nn.GRU(embedding, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def hidden_states(self, tokens: torch.Tensor) -> torch.Tensor:
        hs, _ = self.gru(self.emb(tokens))
        return hs  # [B, T, H]

    def step(self, tok: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        _, h1 = self.gru(self.emb(tok).unsqueeze(1), h.unsqueeze(0))
        return h1.squeeze(0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, required=True)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--embedding", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, required=True)
    ap.add_argument("--end-token", type=int, required=True)
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--iterations", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--packed", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    batches = json.load(sys.stdin)  # [iterations][B][P] token ids, PAD = 0
    assert len(batches) >= args.warmup + args.iterations

    policy = Policy(args.vocab, args.hidden, args.embedding)
    opt = torch.optim.Adam(policy.parameters(), lr=args.lr)
    k = args.samples
    tokens_done = 0
    sample_secs = 0.0
    t0 = 0.0
    c0 = 0.0
    for it in range(args.warmup + args.iterations):
        if it == args.warmup:
            t0 = time.perf_counter()
            c0 = time.process_time()
        ts = time.perf_counter()
        prompts = torch.tensor(batches[it], dtype=torch.long)
        B, P = prompts.shape
        # ---- sampling, token by token, hidden state carried
        with torch.no_grad():
            h = policy.hidden_states(prompts)[:, -1]
            out = torch.zeros(B, args.max_tokens, dtype=torch.long)
            lengths = torch.zeros(B, dtype=torch.long)
            done = torch.zeros(B, dtype=torch.bool)
            for t in range(args.max_tokens):
                if args.packed:
                    live = (~done).nonzero().squeeze(1)  # only the rows still generating
                    logits = policy.out(h[live])
                    logits[:, 0] = float("-inf")
                    tok_live = torch.multinomial(torch.softmax(logits, dim=-1), 1).squeeze(1)
                    tok = torch.zeros(B, dtype=torch.long)
                    tok[live] = tok_live
                    out[:, t] = tok
                    lengths[live] += 1
                    done[live] = tok_live == args.end_token
                    if bool(done.all()):
                        break
                    h = h.clone()
                    h[live] = policy.step(tok_live, h[live])
                    continue
                logits = policy.out(h)
                logits[:, 0] = float("-inf")  # PAD is never a valid output
                tok = torch.multinomial(torch.softmax(logits, dim=-1), 1).squeeze(1)
                tok = torch.where(done, torch.zeros_like(tok), tok)
                out[:, t] = tok
                lengths += (~done).long()
                done = done | (tok == args.end_token)
                if bool(done.all()):
                    break
                h = policy.step(tok, h)
        tu = time.perf_counter()
        # ---- one RLOO policy-gradient update on the whole batch
        L = max(1, int(lengths.max()))
        resp = out[:, :L]
        mask = (torch.arange(L).unsqueeze(0) < lengths.unsqueeze(1)).float()
        finished = torch.zeros(B)
        last = resp.gather(1, (lengths - 1).clamp(min=0).unsqueeze(1)).squeeze(1)
        finished = ((last == args.end_token) & (lengths > 0)).float()
        g = finished.view(-1, k)
        base = ((g.sum(1, keepdim=True) - g) / (k - 1)).view(-1)
        adv = (finished - base).unsqueeze(1).expand(B, L)
        seq = torch.cat([prompts, resp], dim=1)
        if args.packed:
            # Each row only as far as its response goes: P + length − 1 columns.
            steps = (P + lengths - 1).clamp(min=1)
            packed = nn.utils.rnn.pack_padded_sequence(policy.emb(seq[:, :-1]), steps, batch_first=True, enforce_sorted=False)
            full, _ = nn.utils.rnn.pad_packed_sequence(policy.gru(packed)[0], batch_first=True, total_length=P + L - 1)
            hs = full[:, P - 1 : P - 1 + L]
        else:
            hs = policy.hidden_states(seq[:, :-1])[:, P - 1 : P - 1 + L]
        lsm = torch.log_softmax(policy.out(hs), dim=-1)
        logp = lsm.gather(2, resp.unsqueeze(2)).squeeze(2)
        loss = -(logp * adv * mask).sum() / mask.sum()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        opt.step()
        if it >= args.warmup:
            tokens_done += int(lengths.sum())
            sample_secs += tu - ts
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    print(json.dumps({
        "tokens": tokens_done,
        "seconds": seconds,
        "tokens_per_second": tokens_done / seconds,
        "cpu_seconds": cpu_seconds,
        "tokens_per_cpu_second": tokens_done / cpu_seconds,
        "sample_fraction": sample_secs / seconds,
        "mean_length": tokens_done / (args.iterations * len(batches[0])),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "packed": args.packed,
    }))


if __name__ == "__main__":
    main()
