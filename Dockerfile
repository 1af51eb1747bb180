# syntax=docker/dockerfile:1
# The full scopegate (lint and serve) in a minimal image: distroless cc (glibc, CA certificates
# for --oidc-issuer, no shell, no package manager), running as an unprivileged user (65532, distroless's nonroot).
#
#   docker build --build-arg SCOPEGATE_COMMIT="$(git log -1 --format='%h %cs' --abbrev=9)" -t scopegate .
#   docker run --rm -v "$PWD:/work" -w /work scopegate lint api/
#   docker run --rm -p 8181:8181 -p 8182:8182 -v "$PWD/deploy:/etc/scopegate:ro" scopegate serve \
#     --gateway nginx --table /etc/scopegate/permissions.json \
#     --listen 0.0.0.0:8181 --admin-listen 0.0.0.0:8182 --trusted-peer 10.0.0.0/8 ...
#
# docs/deploy/container.md explains both uses; deploy/kubernetes/ runs it as a Deployment.

FROM docker.io/library/rust:1.95-slim-trixie AS build
WORKDIR /src
# The commit for `scopegate --version` (.git is not in the build context).
ARG SCOPEGATE_COMMIT=""
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --profile dist --bin scopegate \
    && cp target/dist/scopegate /usr/local/bin/scopegate

FROM gcr.io/distroless/cc-debian13:nonroot
COPY --from=build /usr/local/bin/scopegate /usr/local/bin/scopegate
USER 65532:65532
# serve's decision port and its admin port (/healthz, /readyz, /metrics).
EXPOSE 8181 8182
ENTRYPOINT ["/usr/local/bin/scopegate"]
CMD ["--help"]
