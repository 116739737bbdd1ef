// The glmsparse core: header-only, free of R. Include this one header.
#pragma once

#include "coordinate_descent.hpp"
#include "datafit_cox.hpp"
#include "datafit_gaussian.hpp"
#include "datafit_glm.hpp"
#include "design.hpp"
#include "glm_path.hpp"
#include "gram_updates.hpp"
#include "irls_updates.hpp"
#include "monitor.hpp"
#include "naive_updates.hpp"
#include "options.hpp"
#include "path.hpp"
#include "path_driver.hpp"
#include "penalty_elastic_net.hpp"
