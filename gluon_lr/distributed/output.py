"""Copy one process's output to a log file, and also to a stream once asked to."""
import threading

__all__ = ["OutputRelay"]


class OutputRelay:
    """A thread that drains a pipe line by line into ``log_path``.

    Nothing reaches ``stream`` until :meth:`show` is called; then everything
    logged so far is written to it, followed by every later line, so the
    stream gets each line exactly once and in order.

    Parameters
    ----------
    pipe : binary file
        The read end of the process's stdout (closed by the relay at EOF).
    log_path : str
        File that receives every line (created or truncated).
    stream : text file
        Where the output goes once shown (only ``write`` and ``flush`` are used).

    Examples
    --------
    >>> import io, os, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> read_end, write_end = os.pipe()
    >>> out = io.StringIO()
    >>> relay = OutputRelay(os.fdopen(read_end, "rb"), os.path.join(folder.name, "w.log"), out)
    >>> relay.start()
    >>> _ = os.write(write_end, b"first\\n")
    >>> relay.show()
    >>> _ = os.write(write_end, b"second\\n")
    >>> os.close(write_end)
    >>> relay.join(5.0)
    True
    >>> out.getvalue()
    'first\\nsecond\\n'
    >>> relay.tail(1)
    ['second']
    >>> folder.cleanup()
    """

    def __init__(self, pipe, log_path, stream):
        self.log_path = log_path
        self._pipe = pipe
        self._stream = stream
        self._log = open(log_path, "w", encoding="utf-8")
        self._lock = threading.Lock()
        self._shown = False
        self._broken = False
        self._thread = threading.Thread(target=self._drain, daemon=True,
                                        name="gluon-lr-output:{}".format(log_path))

    @property
    def shown(self):
        """Whether the output is being copied to the stream."""
        return self._shown

    def start(self):
        """Start draining the pipe."""
        self._thread.start()

    def _drain(self):
        try:
            for raw in iter(self._pipe.readline, b""):
                line = raw.decode("utf-8", errors="replace")
                with self._lock:
                    self._log.write(line)
                    self._log.flush()
                    if self._shown:
                        self._write(line)
        finally:
            self._pipe.close()
            with self._lock:
                self._log.close()

    def show(self):
        """Write what was logged so far to the stream, and every later line too."""
        with self._lock:
            if self._shown:
                return
            self._shown = True
            if not self._log.closed:
                self._log.flush()
            with open(self.log_path, encoding="utf-8") as handle:
                text = handle.read()
            if text:
                self._write(text)

    def _write(self, text):
        """Copy to the stream; a broken stream must not stop the draining (the log has it)."""
        if self._broken:
            return
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            self._broken = True

    def join(self, timeout):
        """Wait up to ``timeout`` seconds for EOF; return whether the pipe was drained."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def tail(self, lines):
        """The last ``lines`` lines logged so far, without their line ends."""
        with self._lock:
            if not self._log.closed:
                self._log.flush()
            with open(self.log_path, encoding="utf-8") as handle:
                text = handle.read().splitlines()
        return text[-lines:] if lines > 0 else []
