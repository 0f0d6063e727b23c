"""Saved KV states of the fixed beginnings of prompts, for llama.cpp in this process.

llama-cpp-python reads a new prompt from where it differs from the previous one, so prompts
of one kind in a row (translations) share their system prompt's work. A prompt of another kind
in between (a ticket's fields, with their own system prompt) makes the next translation read
its system prompt again: ~40 tokens, or ~110 for a ticket's, at ~150-200 tokens/s on two
cores. This keeps the state of each system prompt (the chat template up to the first user
message) once it has been read, and puts it back when a prompt starts with it and the
model's context holds less of it: every kind of prompt, in any order and for any session,
reads only what follows its system prompt.

The states are llama.cpp's per-sequence states, about 12 KB a token for the bundled model.
"""

import ctypes
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("kefu.llm")

Messages = Sequence[dict[str, str]]


@dataclass(frozen=True)
class SavedPrefix:
    tokens: tuple[int, ...]
    state: Any  # a ctypes byte array
    size: int


def common_length(a: Sequence[int], b: Sequence[int]) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


class PrefixCache:
    """System-prompt states of one ``llama_cpp.Llama``; used under its owner's lock."""

    def __init__(self, llama: Any, capacity: int = 16) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llama.metadata.get("tokenizer.chat_template")
        # Only the template create_chat_completion itself uses is followed here, so that the
        # tokens of a prompt are those it will read.
        self.enabled = bool(template) and llama.chat_format == "chat_template.default"
        self._llama = llama
        self._capacity = capacity
        self._saved: OrderedDict[str, SavedPrefix] = OrderedDict()
        self._prefixes: dict[str, tuple[int, ...]] = {}  # by system message
        self._formatter: Any = (
            Jinja2ChatFormatter(
                template=template,
                eos_token=self._token_text(llama.token_eos()),
                bos_token=self._token_text(llama.token_bos()),
                stop_token_ids=[llama.token_eos()],
            )
            if self.enabled
            else None
        )
        self.restored = 0  # prompts that began from a saved state
        self.saved = 0

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        return bytes(self._llama.detokenize([token], special=True)).decode("utf-8", "ignore")

    def prompt_tokens(self, messages: Messages) -> list[int]:
        """The tokens create_chat_completion reads for these messages."""
        assert self._formatter is not None
        result = self._formatter(messages=list(messages))
        return list(
            self._llama.tokenize(
                result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True
            )
        )

    def system_prefix(self, messages: Messages) -> list[int]:
        """The tokens of the template up to the first user message's text: those that do not
        depend on what follows the system message."""
        system = [m for m in messages[:1] if m["role"] == "system"]
        first = self.prompt_tokens([*system, {"role": "user", "content": "a"}])
        second = self.prompt_tokens([*system, {"role": "user", "content": "b"}])
        return first[: common_length(first, second)]

    def prepare(self, messages: Messages) -> None:
        """Make the context hold the prompt's system prefix, the cheapest way: it already does,
        or its saved state goes back in, or it is read now and saved."""
        if not self.enabled or not messages or messages[0]["role"] != "system":
            return
        key = messages[0]["content"]
        saved = self._saved.get(key)
        prefix = self._prefixes.get(key)
        if prefix is None:
            if len(self._prefixes) >= 4 * self._capacity:
                self._prefixes.clear()
            prefix = self._prefixes[key] = tuple(self.system_prefix(messages))
        if not prefix:
            return
        llama = self._llama
        held = common_length(llama.input_ids[: llama.n_tokens].tolist(), prefix)
        if held >= len(prefix):
            if saved:
                self._saved.move_to_end(key)
            return
        if saved is not None and self._restore(saved):
            self._saved.move_to_end(key)
            self.restored += 1
            return
        self._read_and_save(key, prefix)

    def _restore(self, saved: SavedPrefix) -> bool:
        import llama_cpp

        llama = self._llama
        context = llama._ctx.ctx  # the state API needs the raw context
        llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(context), -1, -1, -1)
        llama.n_tokens = 0
        if llama_cpp.llama_state_seq_set_data(context, saved.state, saved.size, 0) == 0:
            logger.warning("a saved prompt state could not be restored; reading it again")
            llama.reset()
            return False
        count = len(saved.tokens)
        llama.input_ids[:count] = saved.tokens
        llama.n_tokens = count
        llama._requires_eval = True  # the logits are not those of a live decode
        return True

    def _read_and_save(self, key: str, prefix: tuple[int, ...]) -> None:
        import llama_cpp

        llama = self._llama
        llama.reset()
        llama.eval(prefix)
        context = llama._ctx.ctx
        size = llama_cpp.llama_state_seq_get_size(context, 0)
        state = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(context, state, size, 0)
        if written == 0:
            return
        self._saved[key] = SavedPrefix(prefix, state, written)
        self.saved += 1
        while len(self._saved) > self._capacity:
            self._saved.popitem(last=False)
