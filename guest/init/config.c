/* The guest's settings: KEY=VALUE lines of fw_cfg opt/pcocc/config (docs/CONTRACTS.md), and the
   dockerd command line they give. Values go to dockerd as separate arguments, never through a shell. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"

static void add_value(struct values *list, const char *key, const char *value) {
    if (!value[0]) { msg("ignoring empty %s= line", key); return; }
    if (list->n >= MAXVALUES) { msg("more than %d %s= lines: ignoring %s", MAXVALUES, key, value); return; }
    list->v[list->n++] = strdup(value);
}

/* The value of `line` when it is `key=...`, else NULL. */
static const char *value_of(const char *line, const char *key) {
    size_t k = strlen(key);
    return strncmp(line, key, k) == 0 && line[k] == '=' ? line + k + 1 : NULL;
}

void read_config(struct config *c) {
    c->iptables = 0;
    c->network = NETWORK_NAT;
    snprintf(c->hostname, sizeof c->hostname, "pcocc-docker");
    char *data = slurp(FWCFG "config/raw", NULL);
    if (!data) { msg("fw_cfg opt/pcocc/config missing, using defaults"); return; }
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\r' || line[l - 1] == ' ')) line[--l] = 0;
        const char *v;
        if ((v = value_of(line, "iptables"))) {
            c->iptables = !strcmp(v, "true") || !strcmp(v, "1");
        } else if ((v = value_of(line, "network"))) {
            if (!strcmp(v, "nat")) c->network = NETWORK_NAT;
            else if (!strcmp(v, "none")) c->network = NETWORK_NONE;
            else msg("unknown network=%s (nat or none): keeping %s", v, c->network == NETWORK_NAT ? "nat" : "none");
        } else if ((v = value_of(line, "data-disk"))) {
            c->persistent_data_disk = !strcmp(v, "persistent");
        } else if ((v = value_of(line, "hostname"))) {
            if (v[0]) snprintf(c->hostname, sizeof c->hostname, "%s", v);
        } else if ((v = value_of(line, "mount"))) {
            msg("ignoring %s: shares are the job's, on the job disk", line);
        } else if ((v = value_of(line, "registry-mirror"))) {
            add_value(&c->mirrors, "registry-mirror", v);
        } else if ((v = value_of(line, "insecure-registry"))) {
            add_value(&c->insecure, "insecure-registry", v);
        } else if ((v = value_of(line, "dns"))) {
            add_value(&c->dns, "dns", v);
        } else if ((v = value_of(line, "http-proxy"))) {
            free(c->http_proxy); c->http_proxy = v[0] ? strdup(v) : NULL;
        } else if ((v = value_of(line, "https-proxy"))) {
            free(c->https_proxy); c->https_proxy = v[0] ? strdup(v) : NULL;
        } else if ((v = value_of(line, "no-proxy"))) {
            free(c->no_proxy); c->no_proxy = v[0] ? strdup(v) : NULL;
        } else if (line[0] && line[0] != '#') {
            msg("ignoring config line: %s", line);
        }
    }
    free(data);
}

static char *option(const char *name, const char *value) {
    char *s = NULL;
    if (asprintf(&s, "--%s=%s", name, value) < 0) return NULL;
    return s;
}

char **dockerd_argv(const struct config *c) {
    static char *fixed[] = {
        "/usr/sbin/dockerd",
        /* The socket only: the TLS terminator serves the job (daemon.c). */
        "-H", "unix://" DOCKER_SOCKET,
        "--storage-driver=overlay2",
        "--exec-root=/run/docker",
        "--data-root=" DOCKERDIR,
        "--containerd=/run/containerd/containerd.sock",
    };
    size_t nfixed = sizeof fixed / sizeof fixed[0];
    size_t max = nfixed + 2 + c->mirrors.n + c->insecure.n + c->dns.n + 3 + 1;
    char **argv = calloc(max, sizeof *argv);
    if (!argv) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < nfixed; i++) argv[n++] = fixed[i];
    const char *ipt = c->iptables ? "true" : "false";
    argv[n++] = option("iptables", ipt);
    argv[n++] = option("ip-masq", ipt);
    for (int i = 0; i < c->mirrors.n; i++) argv[n++] = option("registry-mirror", c->mirrors.v[i]);
    for (int i = 0; i < c->insecure.n; i++) argv[n++] = option("insecure-registry", c->insecure.v[i]);
    for (int i = 0; i < c->dns.n; i++) argv[n++] = option("dns", c->dns.v[i]);
    if (c->http_proxy) argv[n++] = option("http-proxy", c->http_proxy);
    if (c->https_proxy) argv[n++] = option("https-proxy", c->https_proxy);
    if (c->no_proxy) argv[n++] = option("no-proxy", c->no_proxy);
    for (size_t i = nfixed; i < n; i++)
        if (!argv[i]) { free(argv); return NULL; }
    argv[n] = NULL;
    return argv;
}
