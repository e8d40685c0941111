"""The test report: written once, by the main process only, as JSON."""
import json

import mmengine.dist

from mtlreg.engine.report import summary_lines, write_report


def test_only_the_main_process_writes_the_report(tmp_path, monkeypatch):
    report = {'metrics': {'seg/mIoU': 50.0, 'delta/mean': 1.25}}
    path = tmp_path / 'test_metrics.json'
    monkeypatch.setattr(mmengine.dist, 'is_main_process', lambda: False)
    assert write_report(report, str(path)) is False and not path.exists()
    monkeypatch.setattr(mmengine.dist, 'is_main_process', lambda: True)
    assert write_report(report, str(path)) is True
    assert json.loads(path.read_text()) == report
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    assert summary_lines(report)[0].startswith('Δ_T = +1.25 %')
