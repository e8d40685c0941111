"""Compile a trained multi-task model's discrete policy into a compact network and save it with a cost report.

    python tools/export.py CONFIG CHECKPOINT --out DIR

writes ``DIR/compact.json`` + ``DIR/compact.pth`` (load with ``mtlreg.models.compact.load_compact_model(DIR)``),
``DIR/exported.pt2`` (``torch.export``), ``DIR/compact.onnx`` (checked in onnxruntime), ``DIR/report.json``
(parameters and FLOPs per task and for one multi-task forward, which tasks share which unit) and
``DIR/sharing_tree.png``, and prints the report.
"""
import argparse
import os.path as osp

from mtlreg.utils.atomic_io import atomic_path, write_json_atomic
from mtlreg.utils.cli import ConfigOptionsAction, directory_path, positive_int, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Export the compact network of a trained discrete policy')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint of the trained model (its policy fixed or discretised)')
    parser.add_argument('--out', required=True, type=directory_path,
                        help='directory for the compact model and its report')
    parser.add_argument('--input-shape', nargs=3, type=positive_int, metavar=('C', 'H', 'W'),
                        help='input of the FLOP count and the export (default: the first test input)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='unpickle the checkpoint in full (only for a file you trust: unpickling can run code); '
                             'mtlreg\'s own checkpoints never need it')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction, help='override config keys')
    parser.add_argument('--data-root', action='append', metavar='PREFIX=PATH', help='as tools/train.py')
    parser.add_argument('--debug', action='store_true', help='show the full traceback of an error')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)  # --help and argument errors return before the heavy imports below
    import torch

    from mtlreg.apis.onnx_export import export_onnx, onnxruntime_outputs
    from mtlreg.apis.trained_model import first_test_input_shape, load_trained_model
    from mtlreg.models.compact import load_compact_model, save_compact_model
    from mtlreg.models.compact.report import compact_report, report_lines
    from mtlreg.visualization import save_png
    from mtlreg.visualization.sharing_tree import sharing_tree_image
    cfg, model = load_trained_model(args.config, args.checkpoint, args.cfg_options, args.data_root,
                                    args.trust_checkpoint)
    shape = tuple(args.input_shape) if args.input_shape else first_test_input_shape(cfg)
    save_compact_model(model, args.out, dict(backbone=cfg.model.backbone, tasks=cfg.tasks))
    compact = load_compact_model(args.out)
    x = torch.zeros((1, *shape))
    with torch.no_grad():
        expected, got = model.task_outputs(x), compact(x)
    error = max(float((expected[t] - got[t]).abs().max()) for t in compact.task_names)
    exported = torch.export.export(compact, (x,))
    with atomic_path(osp.join(args.out, 'exported.pt2')) as partial:
        torch.export.save(exported, partial)
    onnx_path = osp.join(args.out, 'compact.onnx')
    export_onnx(compact, x, onnx_path)
    probe = torch.randn((1, *shape))
    with torch.no_grad():
        reference = compact(probe)
    onnx_error = max(float(abs(value - reference[t].numpy()).max())
                     for t, value in onnxruntime_outputs(onnx_path, probe).items())
    report = compact_report(model, compact, shape)
    report.update(config=args.config, checkpoint=args.checkpoint, max_abs_difference_to_supernet=error,
                  max_abs_difference_onnxruntime=onnx_error)
    write_json_atomic(osp.join(args.out, 'report.json'), report)
    save_png(osp.join(args.out, 'sharing_tree.png'),
             sharing_tree_image(report['sharing'], compact.task_names))
    for line in report_lines(report):
        print(line)
    print(f'max |compact − supernet| on a zero input: {error:.2e}; max |onnxruntime − compact|: {onnx_error:.2e}')
    print(f'saved to {args.out}: compact.json, compact.pth, exported.pt2, compact.onnx, report.json, '
          'sharing_tree.png')


if __name__ == '__main__':
    run_tool(main)
