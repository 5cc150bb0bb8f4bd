import type { ConnectRouter } from "@connectrpc/connect";
import { AdminService } from "../../gen/jobwire/v1/admin_service_pb.js";
import { AuditService } from "../../gen/jobwire/v1/audit_service_pb.js";
import { AuthService } from "../../gen/jobwire/v1/auth_service_pb.js";
import { DashboardService } from "../../gen/jobwire/v1/dashboard_service_pb.js";
import { ExecutorGroupService } from "../../gen/jobwire/v1/executor_group_service_pb.js";
import { JobService } from "../../gen/jobwire/v1/job_service_pb.js";
import { RunService } from "../../gen/jobwire/v1/run_service_pb.js";
import { UserService } from "../../gen/jobwire/v1/user_service_pb.js";
import type { HealthService } from "../../shared/rpc/index.js";
import { registerReflection } from "../../shared/rpc/index.js";
import type { AdminContext } from "../context.js";
import { createAdminService } from "./services/admin-service.js";
import { createAuditService } from "./services/audit-service.js";
import { createAuthService } from "./services/auth-service.js";
import { createDashboardService } from "./services/dashboard-service.js";
import { createExecutorGroupService } from "./services/executor-group-service.js";
import { createJobService } from "./services/job-service.js";
import { createRunService } from "./services/run-service.js";
import { createUserService } from "./services/user-service.js";


/**
 * Registers every jobwire service on a Connect router, plus gRPC health and server reflection (which describes
 * every service registered on the router). Methods a service leaves out answer UNIMPLEMENTED.
 */
export function registerAdminRoutes(router: ConnectRouter, app: AdminContext, health: HealthService): void {
  registerReflection(router);
  health.register(router);
  router.service(AdminService, createAdminService(app));
  router.service(AuthService, createAuthService(app));
  router.service(ExecutorGroupService, createExecutorGroupService(app));
  router.service(JobService, createJobService(app));
  router.service(RunService, createRunService(app));
  router.service(UserService, createUserService(app));
  router.service(DashboardService, createDashboardService(app));
  router.service(AuditService, createAuditService(app));
}
