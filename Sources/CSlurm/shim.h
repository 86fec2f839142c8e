#ifndef PCOCC_CSLURM_SHIM_H
#define PCOCC_CSLURM_SHIM_H
#include <stdint.h>
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

// SLURM_BIT() flags are macros Swift cannot import (a cast in a function-like macro).
static const uint16_t pcocc_kill_full_job = KILL_FULL_JOB;
// Job state flags sit above JOB_STATE_BASE in the 32-bit job_state.
static const uint32_t pcocc_job_completing = JOB_COMPLETING;

// Exported by libslurm but not declared in its headers.
extern char *slurm_job_reason_string(enum job_state_reason inx);
#endif
