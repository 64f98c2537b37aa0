"""The `drone-ai` command line.

    drone-ai serve [--config FILE]    the control tower's gRPC service (DRONE_AI_LISTEN,
                                      127.0.0.1:50051 by default), until interrupted; every
                                      command takes --config: a TOML file of settings, which
                                      DRONE_AI_* variables override
    drone-ai subscribe [FLIGHT ...] --to HOST:PORT
                                      flights' events as JSON lines (--format table for
                                      people, geojson for maps) until they end (no FLIGHT:
                                      every flight, until interrupted); token from
                                      DRONE_AI_TOKEN, --ca for TLS
    drone-ai demo [--map FILE.png]    the control tower end to end on this machine: a simulated
                                      flight started over gRPC, its georeferenced detections
                                      followed as a partner would, a summary against the truth
                                      and a PNG map of the tracks (drone-ai-demo-map.png)
    drone-ai replay RECORDING [--speed X] [--results]
                                      a recording (folder, flight/recording, s3://...) played
                                      again through a tower here, events as subscribe writes
                                      them, a progress bar on stderr
    drone-ai simulate [SCENARIO] --out DIR|FILE.ts|--serve
                                      a simulated flight with ground truth: files, a
                                      STANAG 4609 style MPEG-TS, or live MJPEG/HTTP + KLV/UDP
    drone-ai klv dump FILE            every KLV packet of a .ts or raw .klv/.bin file, as one
                                      JSON object per line (or --format table); what was
                                      refused is summarised on stderr by reason; --footprint
                                      adds our frame centre and corners beside the reported
    drone-ai recordings [FLIGHT] [--s3] [--format table|json]
                                      the recordings under DRONE_AI_RECORDING_DIR (--s3: in
                                      the S3 store), each with its state, source, start,
                                      length, size and segments, damaged ones with the reason
    drone-ai export RECORDING [--ts OUT.ts] [--geojson OUT.geojson] [--footprints]
                                      a finished recording (its folder, FLIGHT/RECORDING
                                      under DRONE_AI_RECORDING_DIR, or s3://bucket/prefix/
                                      FLIGHT[/RECORDING]) as STANAG 4609 MPEG-TS
                                      (H.264 + KLV) and its detections and tracks as GeoJSON
    drone-ai deploy --stack-name N [...] [--rollback]
                                      build the wheel, upload it, create or update the
                                      EC2 stack (infra/cloudformation), print its endpoint;
                                      or roll it back to the previous release
    drone-ai health [--address HOST:PORT] [--tls-ca PEM] [--server-name NAME]
                                      the standard gRPC health check against a tower
                                      (127.0.0.1:50051 by default): exit 0 when SERVING, 1
                                      otherwise; a container's HEALTHCHECK
    drone-ai host-setup --root DIR --bucket B --region R --release V [--gpu]
                        [--log-group NAME [--metrics-namespace NS]] [--start]
                                      an EC2 host's tower.toml, environment, systemd unit
                                      and system user (its user data runs this at boot);
                                      with a log group, the CloudWatch agent's config
    drone-ai fetch-secrets --prefix S --out DIR
                                      TLS material and partners from SSM Parameter Store
                                      into 0600 files (drone-ai.service runs it at start)

Exit codes: 0 when the input was read (refused packets are reported, not fatal); 1 when
--strict met a packet it refused; 2 when the input could not be read or the usage is wrong.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import grpc

from domain.errors import InvalidValueError
from drone_ai import bootstrap
from drone_ai.config import AzimuthSetting, Settings
from drone_ai.entrypoints import demo as demo_run
from drone_ai.entrypoints import host_setup, log_lines, recording_listing, replay_run
from drone_ai.entrypoints.deploy_command import add_deploy
from drone_ai.entrypoints.grpc import health_check, subscriber
from drone_ai.entrypoints.grpc.server import (
    build_server,
    is_loopback,
    plaintext_address,
    tls_credentials,
)
from drone_ai.entrypoints.telemetry_render import packet_json, rejected_summary, telemetry_table
from drone_ai.errors import (
    ConfigError,
    GeoidUnavailableError,
    HostSetupError,
    KlvError,
    NotAvailableError,
    RecordingError,
    SecretsError,
    SourceError,
    WorkerStartError,
)

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_UNREADABLE = 2
# `drone-ai health`'s TLS defaults: what a container's fixed HEALTHCHECK needs from outside.
HEALTH_TLS_CA_VARIABLE = "DRONE_AI_HEALTH_TLS_CA"
HEALTH_SERVER_NAME_VARIABLE = "DRONE_AI_HEALTH_SERVER_NAME"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.load(os.environ, getattr(args, "config", None))
        if getattr(args, "strict", False):
            settings = dataclasses.replace(settings, klv_strict=True)
        if getattr(args, "azimuth_reference", None):
            settings = dataclasses.replace(
                settings, eg0104_azimuth=AzimuthSetting(args.azimuth_reference)
            )
        code: int = args.run(args, settings, sys.stdout, sys.stderr)
    except ConfigError as exc:
        print(f"drone-ai: configuration: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours. Silence the final flush.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process ends
        return EXIT_OK
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="drone-ai", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    # Every command reads the settings: from a TOML file, under the DRONE_AI_* environment.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        help="a TOML file of settings (default: DRONE_AI_CONFIG); DRONE_AI_* variables override it",
    )

    serve = commands.add_parser(
        "serve", help="run the control tower's gRPC service", parents=[common]
    )
    serve.add_argument("--listen", help="host:port (default: DRONE_AI_LISTEN)")
    serve.set_defaults(run=_serve)

    subscribe = commands.add_parser(
        "subscribe", help="print flights' events as they come", parents=[common]
    )
    subscribe.add_argument(
        "flights", nargs="*", metavar="FLIGHT", help="flight ids; none: every flight, new ones too"
    )
    subscribe.add_argument("--to", default="127.0.0.1:50051", help="the tower's host:port")
    subscribe.add_argument(
        "--after", type=int, default=0, help="resume after this sequence (one FLIGHT)"
    )
    subscribe.add_argument("--format", choices=tuple(subscriber.WRITERS), default="json")
    subscribe.add_argument(
        "--ca", type=Path, help="the CA (PEM) the tower's TLS certificate is from"
    )
    subscribe.set_defaults(run=_subscribe)

    demo = commands.add_parser(
        "demo",
        help="the control tower end to end on a simulated flight, over gRPC",
        parents=[common],
    )
    demo.add_argument(
        "--map",
        type=Path,
        default=demo_run.DEFAULT_MAP,
        help=f"where to write the PNG map of the tracks (default: {demo_run.DEFAULT_MAP})",
    )
    # Seconds of simulated flight; for tests, which need a shorter one.
    demo.add_argument(
        "--duration-s",
        type=_demo_duration_s,
        default=demo_run.DEFAULT_DURATION_S,
        help=argparse.SUPPRESS,
    )
    demo.set_defaults(run=_demo)

    klv = commands.add_parser("klv", help="KLV telemetry tools")
    klv_commands = klv.add_subparsers(required=True, metavar="KLV_COMMAND")
    dump = klv_commands.add_parser(
        "dump", help="print every KLV packet of a file", parents=[common]
    )
    dump.add_argument("file", type=Path, help="an MPEG-TS file, or a file of raw KLV packets")
    dump.add_argument("--format", choices=("json", "table"), default="json")
    dump.add_argument(
        "--strict", action="store_true", help="stop at the first refused packet (exit code 1)"
    )
    dump.add_argument(
        "--footprint",
        action="store_true",
        help="add our frame centre and corners, computed from the pose, next to the reported ones",
    )
    dump.add_argument(
        "--azimuth-reference",
        choices=[setting.value for setting in AzimuthSetting],
        help="how this EG 0104 source measures azimuths (default: DRONE_AI_EG0104_AZIMUTH)",
    )
    dump.set_defaults(run=_klv_dump)

    simulate = commands.add_parser(
        "simulate", help="fly a simulated drone with ground truth", parents=[common]
    )
    simulate.add_argument(
        "scenario", type=Path, nargs="?", help="a JSON scenario (default: a 60 s orbit)"
    )
    outputs = simulate.add_mutually_exclusive_group(required=True)
    outputs.add_argument(
        "--out", type=Path, help="FILE.ts: H.264 + KLV MPEG-TS; otherwise a folder of files"
    )
    outputs.add_argument(
        "--serve", action="store_true", help="MJPEG over HTTP and KLV over UDP on 127.0.0.1"
    )
    simulate.add_argument("--http-port", type=int, default=8554, help="with --serve")
    simulate.add_argument("--klv-udp-port", type=int, help="with --serve: where to send KLV")
    simulate.add_argument("--speed", type=float, default=1.0, help="with --serve: x real time")
    simulate.set_defaults(run=_simulate)

    _add_recording_commands(commands, common)
    add_deploy(commands, common)

    _add_health(commands, common)
    _add_host_commands(commands)
    return parser


def _add_recording_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """replay, recordings and export: what works on recordings."""
    replay = commands.add_parser(
        "replay",
        help="play a recording again through the pipeline, or its results",
        parents=[common],
    )
    replay.add_argument(
        "recording", help="a recording folder, <flight>/<recording>, or s3://bucket/prefix/flight"
    )
    replay.add_argument(
        "--speed", type=float, default=1.0, help="x the recorded pace; 0: as fast as it goes"
    )
    replay.add_argument(
        "--results",
        action="store_true",
        help="re-send the recorded results instead of re-analysing the recorded input",
    )
    replay.add_argument("--format", choices=tuple(subscriber.WRITERS), default="json")
    replay.set_defaults(run=_replay)

    listing = commands.add_parser(
        "recordings", help="the recordings on disk or in S3", parents=[common]
    )
    listing.add_argument("flight", nargs="?", metavar="FLIGHT", help="only this flight's")
    listing.add_argument(
        "--s3", action="store_true", help="list the S3 store's (DRONE_AI_S3_BUCKET) instead"
    )
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(run=_recordings)

    export = commands.add_parser(
        "export", help="a recording as STANAG 4609 MPEG-TS and GeoJSON", parents=[common]
    )
    export.add_argument(
        "recording",
        metavar="RECORDING",
        help="a recording's folder, FLIGHT/RECORDING, or s3://bucket/prefix/FLIGHT[/RECORDING]",
    )
    export.add_argument("--ts", type=Path, help="write H.264 + KLV MPEG-TS here")
    export.add_argument("--geojson", type=Path, help="write a GeoJSON FeatureCollection here")
    export.add_argument(
        "--footprints", action="store_true", help="with --geojson: each frame's footprint too"
    )
    export.set_defaults(run=_export)


def _add_health(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    health = commands.add_parser(
        "health", help="ask a tower whether it serves (gRPC health checking)", parents=[common]
    )
    health.add_argument(
        "--address",
        type=health_check.address_argument,
        default=health_check.DEFAULT_ADDRESS,
        help=f"the tower's host:port (default: {health_check.DEFAULT_ADDRESS})",
    )
    health.add_argument(
        "--tls-ca",
        type=Path,
        help="TLS: the CA (PEM) of the tower's certificate, or that certificate itself "
        f"(default: {HEALTH_TLS_CA_VARIABLE}; unset or empty: plaintext)",
    )
    health.add_argument(
        "--server-name",
        help="TLS: the name to expect in the tower's certificate instead of the address's "
        f"host (default: {HEALTH_SERVER_NAME_VARIABLE})",
    )
    health.add_argument(
        "--timeout-s",
        type=health_check.timeout_s_argument,
        default=health_check.DEFAULT_TIMEOUT_S,
        help=f"seconds for the whole check (default: {health_check.DEFAULT_TIMEOUT_S:g})",
    )
    health.add_argument(
        "--service", default="", help='the service to ask about (default: "", the whole tower)'
    )
    health.set_defaults(run=_health)


def _serve(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    address = args.listen or settings.listen
    access = bootstrap.access_policy(settings)
    credentials = None
    if settings.tls_cert_path is not None and settings.tls_key_path is not None:
        credentials = tls_credentials(
            _read(settings.tls_cert_path, "TLS_CERT_PATH"),
            _read(settings.tls_key_path, "TLS_KEY_PATH"),
            _read(settings.tls_client_ca_path, "TLS_CLIENT_CA_PATH")
            if settings.tls_client_ca_path
            else None,
        )
    else:
        plaintext_address(address, settings.allow_plaintext_remote)
    if access is None and not is_loopback(address):
        raise ConfigError(
            f"DRONE_AI_PARTNERS_PATH: partners expected when serving {address!r} beyond this "
            f"host, got none (every caller could do everything)"
        )
    if settings.metrics_listen and settings.tls_cert_path is None:
        plaintext_address(
            settings.metrics_listen, settings.allow_plaintext_remote, "DRONE_AI_METRICS_LISTEN"
        )
    log_lines.configure(settings.log_format, err, settings.log_file)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    for recovered in bootstrap.recover_recordings(settings):
        dropped = recovered.recovered.bytes_dropped if recovered.recovered else 0
        print(
            f"drone-ai: recovered recording {recovered.flight_id}/{recovered.recording_id} "
            f"({dropped} bytes of a torn last chunk dropped)",
            file=out,
            flush=True,
        )
    spool = bootstrap.recording_spool(settings)
    if spool is not None:
        spool.start()
    metrics = bootstrap.tower_metrics()
    metrics_server = bootstrap.metrics_endpoint(settings, metrics)
    if metrics_server is not None:
        scheme = "http" if settings.tls_cert_path is None else "https"
        host = settings.metrics_listen.rpartition(":")[0]
        print(
            f"drone-ai: metrics on {scheme}://{host}:{metrics_server.server_port}/metrics",
            file=out,
            flush=True,
        )
    try:
        with bootstrap.detection_pool(settings) as pool:
            server = build_server(
                bootstrap.flight_control(settings, pool, metrics),
                access,
                metrics=metrics,
                limiter=bootstrap.request_limiter(settings),
            )
            if credentials is None:
                port = server.add_insecure_port(address)
            else:
                port = server.add_secure_port(address, credentials)
            server.start()
            where = f"{address.rpartition(':')[0]}:{port}"
            print(f"drone-ai: serving on {where}", file=out, flush=True)
            stop.wait()
            server.stop(grace=5.0).wait()
    except WorkerStartError as exc:
        # A detector that cannot be built (a broken model, a missing provider): say so.
        print(f"drone-ai: serve: the detection workers did not start: {exc}", file=err)
        return EXIT_UNREADABLE
    finally:
        if metrics_server is not None:
            metrics_server.shutdown()
        if spool is not None:
            spool.stop()
    print("drone-ai: stopped", file=out, flush=True)
    return EXIT_OK


def _subscribe(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    ca_pem = None if args.ca is None else _read(args.ca, "subscribe --ca")
    write = subscriber.WRITERS[args.format]
    count = 0
    try:
        for event in subscriber.events(
            args.to, args.flights, args.after, os.environ.get("DRONE_AI_TOKEN"), ca_pem
        ):
            write(event, out)
            out.flush()
            count += 1
    except grpc.RpcError as exc:
        print(f"drone-ai: subscribe: {exc.code().name}: {exc.details()}", file=err)
        return EXIT_UNREADABLE
    print(f"drone-ai: {count} events", file=err)
    return EXIT_OK


def _health(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Exit 0 when SERVING, 1 for anything else it finds: a container runtime reads 1 as
    unhealthy (and reserves 2, left to wrong usage). The TLS options fall back on the
    environment so that an image's fixed HEALTHCHECK follows how its tower is run."""
    ca_file = args.tls_ca or os.environ.get(HEALTH_TLS_CA_VARIABLE) or None
    server_name = args.server_name or os.environ.get(HEALTH_SERVER_NAME_VARIABLE) or None
    ca_pem = None
    if ca_file is not None:
        try:
            ca_pem = Path(ca_file).read_bytes()
        except OSError as exc:
            print(f"drone-ai: health: {args.address}: TLS CA unreadable: {exc}", file=err)
            return EXIT_REFUSED
    answer = health_check.check(
        args.address,
        ca_pem=ca_pem,
        server_name=server_name,
        timeout_s=args.timeout_s,
        service=args.service,
    )
    print(f"drone-ai: health: {answer.line}", file=out if answer.serving else err)
    return EXIT_OK if answer.serving else EXIT_REFUSED


def _read(path: Path, variable: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"DRONE_AI_{variable}: a readable PEM file expected: {exc}") from exc


def _demo(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """The tower on 127.0.0.1, a simulated flight started and followed over gRPC, a summary
    against the simulator's truth and a map of the tracks (drone_ai/entrypoints/demo.py)."""
    map_path: Path = args.map
    if map_path.suffix.lower() != ".png" or not map_path.parent.is_dir():
        print(
            f"drone-ai: demo --map: a .png file in an existing folder expected, got {map_path}",
            file=err,
        )
        return EXIT_UNREADABLE
    try:
        demo_run.run_demo(settings, map_path, args.duration_s, out)
    except grpc.RpcError as exc:
        print(f"drone-ai: demo: {exc.code().name}: {exc.details()}", file=err)
        return EXIT_UNREADABLE
    except (OSError, SourceError) as exc:
        print(f"drone-ai: demo: {exc}", file=err)
        return EXIT_UNREADABLE
    return EXIT_OK


def _demo_duration_s(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    # Written this way round so that NaN fails it too.
    if not 1.0 <= value <= demo_run.MAX_DURATION_S:
        raise argparse.ArgumentTypeError(
            f"seconds of flight from 1 to {demo_run.MAX_DURATION_S:g} expected, got {text!r}"
        )
    return value


def _simulate(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            print(f"simulate: {done}/{total} frames", file=err, flush=True)

    try:
        if args.serve:
            live = bootstrap.simulate_live(
                args.scenario, args.http_port, args.klv_udp_port, args.speed
            )
            print(f"simulate: video at {live.video_url}", file=out, flush=True)
            live.wait()
            live.stop()
        else:
            bootstrap.simulate_to_path(args.scenario, args.out, progress)
            print(f"simulate: wrote {args.out}", file=out)
    except SourceError as exc:
        print(f"drone-ai: {exc}", file=err)
        return EXIT_UNREADABLE
    return EXIT_OK


def _replay(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    try:
        replay_run.run_replay(
            settings, args.recording, args.speed, args.results, args.format, out, err
        )
    except (RecordingError, NotAvailableError) as exc:
        print(f"drone-ai: replay: {exc}", file=err)
        return EXIT_UNREADABLE
    except grpc.RpcError as exc:
        print(f"drone-ai: replay: {exc.code().name}: {exc.details()}", file=err)
        return EXIT_UNREADABLE
    return EXIT_OK


def _recordings(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    try:
        listed = bootstrap.list_recordings(settings, args.flight, args.s3)
    except (RecordingError, NotAvailableError, InvalidValueError) as exc:
        print(f"drone-ai: recordings: {exc}", file=err)
        return EXIT_UNREADABLE
    if args.format == "json":
        for item in listed:
            out.write(json.dumps(recording_listing.as_json(item)) + "\n")
    else:
        recording_listing.write_table(listed, out)
    return EXIT_OK


def _export(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    if args.ts is None and args.geojson is None:
        print("drone-ai: export: --ts OUT.ts and/or --geojson OUT.geojson expected", file=err)
        return EXIT_UNREADABLE
    try:
        done = bootstrap.export_recording(
            settings, args.recording, args.ts, args.geojson, args.footprints
        )
        if (ts := done.ts) is not None:
            how = "copied as received" if ts.frames is None else f"{ts.frames} frames encoded"
            skipped = f", {ts.frames_skipped} bad JPEGs skipped" if ts.frames_skipped else ""
            print(f"export: wrote {args.ts} ({ts.bytes} bytes, {how}{skipped})", file=out)
        if (geo := done.geojson) is not None:
            print(
                f"export: wrote {args.geojson} ({geo.detections} detections, {geo.tracks} "
                f"tracks, {geo.footprints} footprints)",
                file=out,
            )
    except (RecordingError, NotAvailableError) as exc:
        print(f"drone-ai: export: {exc}", file=err)
        return EXIT_UNREADABLE
    return EXIT_OK


def _add_host_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    host = commands.add_parser(
        "host-setup", help="write an EC2 host's config, environment, systemd unit and user"
    )
    host.add_argument("--root", type=Path, required=True, help="the host's / (/ on the host)")
    host.add_argument("--bucket", required=True, help="the recordings bucket")
    host.add_argument("--recordings-prefix", default="recordings", help="key prefix in it")
    host.add_argument("--region", required=True, help="the AWS region (S3 and SSM)")
    host.add_argument("--secrets-prefix", default="/drone-ai/tower", help="SSM parameters' path")
    host.add_argument("--grpc-port", type=int, default=50051)
    host.add_argument("--metrics-port", type=int, default=9464)
    host.add_argument("--release", required=True, help="the release installed (in comments)")
    host.add_argument("--gpu", action="store_true", help="the service sees the GPU's devices")
    host.add_argument(
        "--mutual-tls",
        action="store_true",
        help="partners must show a client certificate (SSM <prefix>/tls/client_ca)",
    )
    host.add_argument(
        "--log-group",
        help="the CloudWatch Logs group the CloudWatch agent ships the tower's log file to "
        "(default: none, the journal only)",
    )
    host.add_argument(
        "--metrics-namespace",
        help="with --log-group: where the agent puts memory and disk use "
        f"(default: {host_setup.DEFAULT_METRICS_NAMESPACE})",
    )
    host.add_argument(
        "--start",
        action="store_true",
        help="then create the user and (re)start drone-ai.service (with --root / only), "
        "and with --log-group load the CloudWatch agent's configuration",
    )
    host.set_defaults(run=_host_setup)

    secrets = commands.add_parser(
        "fetch-secrets", help="TLS material and partners from SSM Parameter Store into files"
    )
    secrets.add_argument(
        "--prefix",
        default=os.environ.get(host_setup.SECRETS_PREFIX_VARIABLE),
        help="the parameters' path, e.g. /drone-ai/tower (default: DRONE_AI_SECRETS_PREFIX)",
    )
    secrets.add_argument("--out", type=Path, required=True, help="the folder (made 0700)")
    secrets.add_argument("--region", help="the AWS region (default: boto3's, AWS_REGION)")
    secrets.add_argument("--endpoint-url", help="another SSM endpoint (tests, VPC endpoints)")
    secrets.add_argument(
        "--allow-missing-tls",
        action="store_true",
        help="succeed without tls/cert and tls/key (a tower on loopback only)",
    )
    secrets.set_defaults(run=_fetch_secrets)


def _host_setup(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    root: Path = args.root
    if args.start and root.resolve() != Path("/"):
        print(f"drone-ai: host-setup: --start expected with --root / only, got {root}", file=err)
        return EXIT_UNREADABLE
    try:
        plan = host_setup.HostPlan(
            bucket=args.bucket,
            recordings_prefix=args.recordings_prefix,
            region=args.region,
            secrets_prefix=args.secrets_prefix,
            grpc_port=args.grpc_port,
            metrics_port=args.metrics_port,
            release=args.release,
            gpu=args.gpu,
            mutual_tls=args.mutual_tls,
            log_group=args.log_group,
            metrics_namespace=args.metrics_namespace,
        )
        for path, changed in host_setup.install(root, plan):
            print(f"host-setup: {'wrote' if changed else 'unchanged'} {path}", file=out)
        if args.start:
            host_setup.start(agent=plan.log_group is not None)
            print(f"host-setup: started {host_setup.UNIT_PATH.name}", file=out)
    except HostSetupError as exc:
        print(f"drone-ai: host-setup: {exc}", file=err)
        return EXIT_UNREADABLE
    return EXIT_OK


def _fetch_secrets(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    if not args.prefix:
        print("drone-ai: fetch-secrets: --prefix or DRONE_AI_SECRETS_PREFIX expected", file=err)
        return EXIT_UNREADABLE
    try:
        kept = bootstrap.fetch_secrets(
            args.prefix,
            args.out,
            region=args.region,
            endpoint_url=args.endpoint_url,
            allow_missing_tls=args.allow_missing_tls,
        )
    except SecretsError as exc:
        print(f"drone-ai: fetch-secrets: {exc}", file=err)
        return EXIT_UNREADABLE
    names = ", ".join(path.name for path in kept.written) or "nothing"
    absent = ", ".join(name.value for name in kept.absent) or "none"
    print(f"fetch-secrets: wrote {names} to {args.out} (absent: {absent})", file=out)
    return EXIT_OK


def _klv_dump(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    source = bootstrap.telemetry_file_source(args.file, settings)
    georeferencer = bootstrap.georeferencer(settings) if args.footprint else None
    code = EXIT_OK
    try:
        if args.format == "table":
            for line in telemetry_table(source.samples(), georeferencer):
                print(line, file=out)
        else:
            for packet in source.packets():
                print(packet_json(packet, georeferencer), file=out)
    except (SourceError, GeoidUnavailableError) as exc:
        print(f"drone-ai: {exc}", file=err)
        return EXIT_UNREADABLE
    except KlvError as exc:
        print(f"drone-ai: refused (--strict): {exc}", file=err)
        code = EXIT_REFUSED
    print(rejected_summary(source.rejected, source.counts.skipped_bytes), file=err)
    return code


if __name__ == "__main__":
    sys.exit(main())
