"""Write ``tests/data/litellm/spend-logs.{jsonl,csv}``: spend-log rows made by LiteLLM's proxy code.

Run in a throwaway environment with ``litellm==1.109.1`` and the proxy's imports
(``fastapi``, ``redis``, ...; never modelfolio dependencies), offline::

    LITELLM_LOCAL_MODEL_COST_MAP=True python tools/make_litellm_spend_logs.py tests/data/litellm

Each call goes through ``litellm.completion`` with a ``mock_response`` (no network); a
callback hands the call's logging data to the proxy's own
``spend_tracking_utils.get_logging_payload``, which builds the ``LiteLLM_SpendLogs`` row
the proxy would insert. The rows are written as JSON lines (as ``/spend/logs`` returns
them) and as CSV (as the UI exports them).
"""

from __future__ import annotations

import csv
import datetime
import json
import pathlib
import sys
import time

import litellm
import litellm.proxy.proxy_server
from litellm.integrations.custom_logger import CustomLogger
from litellm.proxy.spend_tracking.spend_tracking_utils import get_logging_payload

CALLS = [
    ("gpt-4o", "The capital of France is Paris.", "openai-fast"),
    ("anthropic/claude-sonnet-4-5", "Paris is the capital of France.", "claude"),
    ("bedrock/meta.llama3-3-70b-instruct-v1:0", "Paris.", "llama"),
    ("gpt-4o-mini", "Paris", "openai-cheap"),
    ("deepseek/deepseek-chat", "It is Paris.", "deepseek"),
    ("gpt-4o", "litellm.RateLimitError", "openai-fast"),
]

ROWS: list[dict] = []


class Capture(CustomLogger):
    def log_success_event(self, kwargs, response_obj, start_time, end_time):  # type: ignore[no-untyped-def]
        try:
            ROWS.append(dict(get_logging_payload(kwargs, response_obj, start_time, end_time)))
        except Exception as error:  # LiteLLM swallows callback errors: say them
            print("could not build the row:", repr(error))
            raise

    def log_failure_event(self, kwargs, response_obj, start_time, end_time):  # type: ignore[no-untyped-def]
        payload = dict(get_logging_payload(kwargs, response_obj, start_time, end_time))
        payload["status"] = "failure"
        ROWS.append(payload)


def jsonable(value: object) -> object:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def main(out: str) -> None:
    target = pathlib.Path(out)
    target.mkdir(parents=True, exist_ok=True)
    litellm.callbacks = [Capture()]
    for model, answer, group in CALLS:
        try:
            litellm.completion(
                model=model,
                messages=[{"role": "user", "content": "What is the capital of France?"}],
                mock_response=answer,
                metadata={"model_group": group},
            )
        except Exception as error:  # the mocked rate limit
            print("failed as asked:", type(error).__name__)
    # LiteLLM logs from a worker thread: wait (bounded) until every call has its row.
    for _ in range(100):
        if len(ROWS) >= len(CALLS):
            break
        time.sleep(0.1)
    litellm.callbacks = []
    rows = [{k: jsonable(v) for k, v in row.items()} for row in ROWS]
    (target / "spend-logs.jsonl").write_text(
        "".join(json.dumps(row, sort_keys=True, default=str) + "\n" for row in rows)
    )
    columns = sorted({k for row in rows for k in row})
    with (target / "spend-logs.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in row.items()}
            )
    print(f"wrote {len(rows)} rows to {target}")


if __name__ == "__main__":
    main(sys.argv[1])
