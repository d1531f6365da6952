"""The Foley Jupyter kernel driven by a real client (jupyter_client, nbclient), as JupyterLab drives it.

Run by Tests/JupyterKernelTests/JupyterClientTests.swift with the test virtual environment that scripts/test makes:
    python Tests/Jupyter/test_kernel.py --foley .build/release/foley
Prints "ok: <check>" per passed check; exits 1 with the reason at the first failure.
"""
import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(ROOT, "Tests", "Fixtures", "audioldm_pipeline", "model")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def ok(name):
    print("ok: " + name, flush=True)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Cell:
    """One execute request's reply and the iopub messages it caused."""

    def __init__(self, kc, code, timeout=120, answer=None):
        self.messages = []
        self.prompts = []

        def stdin_hook(msg):
            self.prompts.append(msg["content"])
            kc.input(answer)

        self.reply = kc.execute_interactive(code, timeout=timeout, output_hook=self.messages.append,
                                            allow_stdin=answer is not None, stdin_hook=stdin_hook)
        self.content = self.reply["content"]

    def of(self, msg_type):
        return [m["content"] for m in self.messages if m["msg_type"] == msg_type]

    def stdout(self):
        return "".join(c["text"] for c in self.of("stream") if c["name"] == "stdout")

    def result(self):
        results = self.of("execute_result")
        check(len(results) == 1, "one execute_result expected, got %r" % (self.messages,))
        return results[0]["data"]


def wait_reply(kc, msg_id, timeout):
    while True:
        m = kc.get_shell_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") == msg_id:
            return m


def wait_started(kc, msg_id):
    """Waits until the kernel has taken the cell (its execute_input is out)."""
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m["msg_type"] == "execute_input" and m["parent_header"].get("msg_id") == msg_id:
            return


def interrupted(kc, msg_id, interrupt):
    """Interrupts a busy cell (again if the first one came before the loop started) and returns its reply."""
    wait_started(kc, msg_id)
    for _ in range(5):
        interrupt()
        try:
            return wait_reply(kc, msg_id, timeout=10)
        except Exception:   # queue.Empty: the signal came before the cell's loop; send another
            continue
    raise AssertionError("the busy cell never stopped after 5 interrupts")


def test_kernel(km, kc, scratch):
    info = kc.kernel_info(reply=True)["content"]
    check(info["status"] == "ok" and info["protocol_version"] == "5.3", info)
    lang = info["language_info"]
    check(lang["name"] == "lua" and lang["version"] == "5.4" and lang["file_extension"] == ".lua"
          and lang["codemirror_mode"] == "lua", lang)
    check(any("lua.org" in h["url"] for h in info["help_links"]), info["help_links"])
    ok("kernel_info: Lua 5.4, .lua, CodeMirror lua, help links")

    c = Cell(kc, "1 + 1")
    check(c.content["status"] == "ok", c.content)
    check(c.result()["text/plain"] == "2", c.result())
    n = c.content["execution_count"]
    c = Cell(kc, "x = 40")
    check(c.content["status"] == "ok" and c.of("execute_result") == [] and c.content["execution_count"] == n + 1, c.messages)
    check(Cell(kc, "x + 2").result()["text/plain"] == "42", "x + 2")
    ok("execute: an expression's value is the execute_result (1 + 1 -> 2; state kept, x + 2 -> 42)")

    c = Cell(kc, 'print("hello", 3)\nio.write("written\\n")')
    check(c.stdout() == "hello\t3\nwritten\n", repr(c.stdout()))
    ok("execute: print and io.write go to the stdout stream")

    c = Cell(kc, 'name = io.read()\nprint("hello " .. name)', answer="Ada")
    check(c.content["status"] == "ok" and len(c.prompts) == 1 and c.stdout() == "hello Ada\n", (c.content, c.stdout()))
    c = Cell(kc, "io.read()")
    check(c.content["status"] == "error" and "allow_stdin false" in c.content["evalue"], c.content)
    ok("stdin: io.read asks the front end with an input_request (an error when it takes no input)")

    c = Cell(kc, "t = foley.tensor.ones(2, 3)\nreturn t")
    text = c.result()["text/plain"]
    check("[Tensor of size 2x3]" in text and text.count("1") >= 6, text)
    ok("execute: a Tensor shows its printed form")

    c = Cell(kc, 'local function f() error("boom") end\nf()')
    check(c.content["status"] == "error" and c.content["ename"] == "LuaError", c.content)
    check("boom" in c.content["evalue"], c.content["evalue"])
    check(any("stack traceback" in line for line in c.content["traceback"]), c.content["traceback"])
    errors = c.of("error")
    check(len(errors) == 1 and "boom" in errors[0]["evalue"], c.messages)
    c = Cell(kc, "x = = 1")
    check(c.content["status"] == "error" and "unexpected symbol" in c.content["evalue"], c.content)
    ok("execute: run-time and syntax errors are error replies with the traceback")

    c = Cell(kc, ":help foley.tensor.zeros")
    check("zeros(shape) -> Tensor" in c.stdout(), c.stdout())
    ok("execute: REPL commands (:help) work in cells")

    # A generation on the tiny model: progress bar, then the clip as an audio player and its spectrogram.
    c = Cell(kc, "p = foley.models.load(%s)\nclip = p:generate{prompt = 'a beep', steps = 3, seconds = 0.5, seed = 1}\n"
                 "foley.display(clip)" % json.dumps(TINY), timeout=300)
    check(c.content["status"] == "ok", c.content)
    shown = [d["data"] for d in c.of("display_data") if "transient" not in d]
    check(len(shown) == 1, c.messages)
    html, png = shown[0]["text/html"], base64.b64decode(shown[0]["image/png"])
    check("<audio controls" in html and "data:audio/wav;base64," in html, html[:200])
    check('<img alt="spectrogram" src="data:image/png;base64,%s">' % shown[0]["image/png"] in html,
          "the HTML (what JupyterLab renders) shows the spectrogram too")
    wav = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1))
    check(wav[:4] == b"RIFF" and wav[8:12] == b"WAVE" and len(wav) == 44 + 2 * 8000, (wav[:12], len(wav)))
    check(png.startswith(PNG_MAGIC), png[:8])
    check(shown[0]["text/plain"].startswith("Audio(0.500 s, 16000 Hz, mono"), shown[0]["text/plain"])
    bars = [d for d in c.of("display_data") if "transient" in d]
    updates = c.of("update_display_data")
    check(len(bars) == 1 and "1/3" in bars[0]["data"]["text/plain"], c.messages)
    check(updates and updates[-1]["data"]["text/plain"].endswith("3/3")
          and all(u["transient"]["display_id"] == bars[0]["transient"]["display_id"] for u in updates), updates)
    ok("generation: display_data with text/html audio (16 kHz WAV, 8000 samples) and image/png; "
       "progress bar by update_display_data (1/3 .. 3/3)")

    data = Cell(kc, "clip").result()
    check("<audio" in data["text/html"] and base64.b64decode(data["image/png"]).startswith(PNG_MAGIC), data.keys())
    png_path = os.path.join(scratch, "line.png")
    c = Cell(kc, "foley.plot.line(foley.tensor.randn({50}, 1), %s)" % json.dumps(png_path))
    plots = c.of("display_data")
    check(len(plots) == 1 and base64.b64decode(plots[0]["data"]["image/png"]) == open(png_path, "rb").read(), c.messages)
    ok("rich output: an Audio result is a player and spectrogram; a plot is its PNG")

    r = kc.complete("x = foley.te", reply=True)["content"]
    check(r["status"] == "ok" and r["cursor_start"] == 4 and r["cursor_end"] == 12, r)
    check("foley.tensor." in r["matches"] and "foley.text." in r["matches"], r["matches"])
    r = kc.complete("clip:dur", reply=True)["content"]
    check(r["matches"] == ["clip:duration("], r)
    ok("complete: foley.te -> foley.tensor., foley.text.; clip:dur -> clip:duration(")

    r = kc.inspect("foley.tensor.zeros", cursor_pos=len("foley.tensor.ze"), reply=True)["content"]
    check(r["status"] == "ok" and r["found"], r)
    check(r["data"]["text/plain"].startswith("zeros(shape) -> Tensor"), r["data"])
    r = kc.inspect("no_such_name_here", reply=True)["content"]
    check(r["found"] is False, r)
    ok("inspect: foley.tensor.zeros shows its :help text")

    for code, want in [("for i = 1, 3 do", "incomplete"), ("x = 1", "complete"), ("x = = 1", "invalid"),
                       ("t = {", "incomplete"), (":help", "complete")]:
        r = wait_reply(kc, kc.is_complete(code), timeout=30)["content"]
        check(r["status"] == want, (code, r))
    ok("is_complete: lua.c's <eof> rule (for ... do / t = { incomplete, x = = 1 invalid)")

    r = kc.history(hist_access_type="tail", n=100, reply=True)["content"]
    check(r["status"] == "ok" and any(h[2] == "1 + 1" for h in r["history"]), r)
    ok("history: the session's cells")

    # Interrupts: Jupyter's own (SIGINT, interrupt_mode "signal"), twice, then one on the control channel.
    for how in ("signal", "signal again", "control", "generation"):
        if how == "generation":   # mostly inside Swift's sampler loop, which polls the same flag
            msg_id = kc.execute("n = 0\nwhile true do p:generate{prompt = 'a', steps = 50, seconds = 0.5}; n = n + 1 end")
        else:
            msg_id = kc.execute("n = 0\nwhile true do n = n + 1 end")
        if how == "control":
            def interrupt():
                kc.control_channel.send(kc.session.msg("interrupt_request", {}))
        else:
            interrupt = km.interrupt_kernel
        reply = interrupted(kc, msg_id, interrupt)["content"]
        check(reply["status"] == "error" and reply["ename"] == "Interrupted" and "interrupted!" in reply["evalue"], reply)
        check(km.is_alive(), "the kernel died on an interrupt (%s)" % how)
        if how != "generation":
            check(Cell(kc, "n > 0").result()["text/plain"] == "true", "the loop ran")
    km.interrupt_kernel()   # an interrupt with nothing running must not kill the kernel either
    check(Cell(kc, "1 + 2").result()["text/plain"] == "3", "after an idle interrupt")
    ok("interrupt: a busy loop stops (SIGINT twice, control interrupt_request), so does a generation; the kernel lives on")

    saved = os.path.join(scratch, "session.ipynb")
    c = Cell(kc, ":save " + saved)
    check(c.content["status"] == "ok", c.content)
    nb = nbformat.read(saved, as_version=4)
    nbformat.validate(nb)
    check(nb.metadata.kernelspec.name == "foley", nb.metadata)
    sources = [cell.source for cell in nb.cells]
    check("1 + 1" in sources and "x + 2" in sources, sources)
    outs = [o for cell in nb.cells for o in cell.outputs if o.output_type == "display_data"]
    check(any("image/png" in o.data for o in outs), outs)
    ok(":save session.ipynb writes a valid nbformat 4 notebook with outputs")

    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=60)
    check(Cell(kc, "x == nil").result()["text/plain"] == "true", "restart gives a fresh Lua state")
    ok("restart: a fresh kernel through the same kernelspec")


def workshop_notebook(lesson):
    """A workshop lesson (Markdown with ```lua blocks) as an .ipynb: prose as markdown cells, code as code cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "foley", "display_name": "Foley (Lua)", "language": "lua"}
    text = open(lesson).read()
    parts = re.split(r"^```lua\n(.*?)^```\n", text, flags=re.S | re.M)
    for i, part in enumerate(parts):
        if i % 2 == 1:
            nb.cells.append(nbformat.v4.new_code_cell(part.rstrip("\n")))
        elif part.strip():
            nb.cells.append(nbformat.v4.new_markdown_cell(part.strip()))
    return nb


def test_workshop(scratch):
    lesson = os.path.join(ROOT, "workshop", "01-what-a-latent-is.md")
    nb = workshop_notebook(lesson)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    check(len(code_cells) >= 5, len(code_cells))
    NotebookClient(nb, kernel_name="foley", timeout=600, resources={"metadata": {"path": scratch}}).execute()
    errors = [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    check(not errors, errors)
    check(all(c.execution_count for c in code_cells), [c.execution_count for c in code_cells])
    printed = "".join(o.text for c in code_cells for o in c.outputs if o.output_type == "stream")
    check("latent" in printed and "mean |log-mel error|" in printed, printed)
    path = os.path.join(scratch, "lesson1.ipynb")
    nbformat.write(nb, path)
    ok("nbclient: workshop lesson 1 runs end to end (%d code cells, no errors)" % len(code_cells))
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--foley", required=True)
    args = ap.parse_args()
    foley = os.path.realpath(args.foley)
    with tempfile.TemporaryDirectory(prefix="foley-jupyter-") as scratch:
        prefix = os.path.join(scratch, "prefix")
        out = subprocess.run([foley, "kernel", "install", "--prefix", prefix], capture_output=True, text=True)
        check(out.returncode == 0, out.stderr)
        spec_dir = os.path.join(prefix, "share", "jupyter", "kernels", "foley")
        spec = json.load(open(os.path.join(spec_dir, "kernel.json")))
        check(spec["argv"] == [foley, "kernel", "--connection-file", "{connection_file}"] and spec["language"] == "lua", spec)
        check(open(os.path.join(spec_dir, "logo-64x64.png"), "rb").read(8) == PNG_MAGIC, "logo")
        # Jupyter finds the kernelspec there, as it would in a user's or an environment's data folder.
        os.environ["JUPYTER_PATH"] = os.path.join(prefix, "share", "jupyter")
        os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(scratch, "runtime")
        from jupyter_client.kernelspec import KernelSpecManager
        check(KernelSpecManager().get_kernel_spec("foley").display_name == "Foley (Lua)", "kernelspec not found")
        ok("kernelspec: foley kernel install --prefix writes kernel.json and logos that Jupyter finds")

        km = KernelManager(kernel_name="foley")
        km.start_kernel(cwd=scratch)
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            test_kernel(km, kc, scratch)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=False)
        check(not km.is_alive(), "the kernel outlived its shutdown_request")
        ok("shutdown: the kernel exits on shutdown_request")

        path = test_workshop(scratch)
        run = subprocess.run([foley, "run", path], capture_output=True, text=True, cwd=scratch)
        check(run.returncode == 0 and "mean |log-mel error|" in run.stdout, run.stderr)
        ok("foley run lesson1.ipynb: the executed notebook runs again from the command line")

        out = subprocess.run([foley, "kernel", "remove", "--prefix", prefix], capture_output=True, text=True)
        check(out.returncode == 0 and not os.path.exists(spec_dir), out.stderr)
        ok("kernelspec: foley kernel remove deletes it")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAILED: %s" % (e,), flush=True)
        sys.exit(1)
